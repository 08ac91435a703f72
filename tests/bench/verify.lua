-- wrk script: POST /api/v1/verify with a fresh token per request. Tokens come from the file named by the
-- TOKENS environment variable (lines "phone token"), split between wrk's threads so none is used twice; without
-- TOKENS each request makes up a token of its own (for a vendor stand-in that accepts any). At the end it prints
-- one JSON line: requests/s, p50/p99 latency, and how many answers were not 200.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  nthreads = tonumber(os.getenv("WRK_THREADS") or "2")
  -- BENCH_VENDOR=aliyun: the tokens are Aliyun spTokens, verified with vendor "aliyun".
  local vendor = os.getenv("BENCH_VENDOR") or ""
  vendor_ = vendor ~= "" and (',"vendor":"' .. vendor .. '"') or ""
  pairs_ = {}
  made_up = os.getenv("TOKENS") == nil
  local i = 0
  for line in (made_up and function() return nil end or io.lines(os.getenv("TOKENS"))) do
    if i % nthreads == id then
      local phone, token = line:match("^(%S+) (%S+)$")
      table.insert(pairs_, '{"phone":"' .. phone .. '","token":"' .. token .. '"' .. vendor_ .. '}')
    end
    i = i + 1
  end
  next_ = 1
  non200 = 0
  path_ = os.getenv("BENCH_PATH") or "/api/v1/verify"
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local body = pairs_[next_]
  if made_up then
    body = '{"phone":"13800138000","token":"bench-' .. id .. '-' .. next_ .. '"}'
  elseif body == nil then
    body = '{"phone":"13800138000","token":"exhausted"}'
  end
  next_ = next_ + 1
  return wrk.format(nil, path_, nil, body)
end

function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
end

function done(summary, latency, requests)
  local bad = 0
  local used = 0
  for _, t in ipairs(threads) do
    bad = bad + (t:get("non200") or 0)
    used = used + ((t:get("next_") or 1) - 1)
  end
  local secs = summary.duration / 1e6
  io.write(string.format(
    '{"requests":%d,"seconds":%.2f,"rps":%.1f,"p50_ms":%.2f,"p99_ms":%.2f,"non200":%d,"socket_errors":%d}\n',
    summary.requests, secs, summary.requests / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    bad, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
