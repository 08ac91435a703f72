// The partner demo: the web package (/sdk/dist/nv.js) against nv-server --sandbox. Everything a partner page
// would do is here: the environment verdict; the verify card, which is the package's drop-in element
// <nv-verify> (/sdk/dist/nv-ui.js: the carrier guess while typing, the carrier's terms before consent, the
// result, the SMS fallback), with the token flow as a timeline from its nv-state events and the details from
// nv-result; and one-click login, the same element in login mode, with a SIMULATION dialog standing for the
// carrier's authorization page (the masked number, the carrier's branding line and agreement, confirm and
// close), its timeline, the signed result, and SMS login as the fallback. The simulation panel stands in for
// the phone (its SIM and network) and shows the SMS inbox.
//
// Query parameters preset a scenario: ?sim=13800138000&network=cellular|wifi|cellular+wifi|offline&vpn=1
// &risk=0|300|600|900&operator=CM|CU|CT&lang=zh-CN|en&env=browser (judge the environment from this browser's
// real network instead of the simulated device's).
import { createVerifier } from '/sdk/dist/nv.js';
import { sandboxProvider } from '/sdk/dist/nv-provider-sandbox.js';
import '/sdk/dist/nv-ui.js'; // defines <nv-verify>

const TEXT = {
  'zh-CN': {
    title: '本机号码校验', simBadge: '模拟', simTitle: '模拟设备',
    simHint: '沙箱模拟运营商网关与认证服务：这里设定手机的 SIM 卡与网络，不是真实设备。',
    simPhone: 'SIM 卡号码', simCarrier: 'SIM 运营商', simCarrierAuto: '按号段', cm: '中国移动', cu: '中国联通', ct: '中国电信',
    simNetwork: '网络', netCellular: '移动数据', netWifi: 'Wi-Fi', netBoth: '移动数据 + Wi-Fi', netOffline: '离线',
    simRisk: '风险分', simVpn: '开启 VPN', simEnv: '用本浏览器的真实网络判断环境', inbox: '短信收件箱',
    envTitle: '网络环境', verifyTitle: '校验手机号', footer: '沙箱演示 · 无需凭证 · 不会产生费用',
    verdict: { supported: '支持', unsupported: '不支持', unknown: '未知' },
    simReady: (id, c) => `设备 ${id} 已就绪（${c}）`, simSaving: '正在更新模拟设备…',
    states: {
      checking_env: '检查网络环境', checking_server: '确认校验额度', fetching_token: '获取运营商认证', token_ready: '已获得运营商认证',
      verifying: '服务端校验', verified: '校验通过', not_verified: '校验未通过', fallback: '转为短信验证',
      cancelled: '已取消', prefetching: '预取认证',
    },
    tokenError: (op, code) => `${op} 网关拒绝：${code}`, networkChange: '网络变化', took: '耗时',
    total: (ms) => `总耗时 ${ms} ms`,
    resendIn: (s) => `${s} 秒后可重发`,
    loginTitle: '一键登录', loginHint: '无需输入手机号：运营商授权页显示本机号码（已隐藏中间四位），确认后即可登录。', claims: '签名结果（assertion，供业务后端校验）',
    authSim: '模拟运营商授权页（真实页面由运营商显示）', authClose: '关闭', authConfirm: '本机号码一键登录',
    authTerms: '登录即同意', authOther: '其他方式登录',
    loginStates: { fetching_token: '运营商授权页', verifying: '服务端取号', logged_in: '登录成功', fallback: '转为短信登录' },
  },
  en: {
    title: 'Number verification', simBadge: 'SIMULATION', simTitle: 'Simulated device',
    simHint: 'The sandbox emulates the carrier gateways and the vendor: set the phone\'s SIM and network here. This is not a real device.',
    simPhone: 'SIM number', simCarrier: 'SIM carrier', simCarrierAuto: 'From the number', cm: 'China Mobile', cu: 'China Unicom', ct: 'China Telecom',
    simNetwork: 'Network', netCellular: 'Mobile data', netWifi: 'Wi-Fi', netBoth: 'Mobile data + Wi-Fi', netOffline: 'Offline',
    simRisk: 'Risk score', simVpn: 'VPN on', simEnv: 'Judge the environment from this browser\'s real network', inbox: 'SMS inbox',
    envTitle: 'Network environment', verifyTitle: 'Verify a phone number', footer: 'Sandbox demo · no credentials · nothing is billed',
    verdict: { supported: 'Supported', unsupported: 'Not supported', unknown: 'Unknown' },
    simReady: (id, c) => `Device ${id} ready (${c})`, simSaving: 'Updating the simulated device…',
    states: {
      checking_env: 'Checking the network', checking_server: 'Checking the quota with the server',
      fetching_token: 'Getting the carrier token', token_ready: 'Carrier token received',
      verifying: 'Server verification', verified: 'Verified', not_verified: 'Not verified', fallback: 'Falling back to SMS',
      cancelled: 'Cancelled', prefetching: 'Prefetching a token',
    },
    tokenError: (op, code) => `${op} gateway refused: ${code}`, networkChange: 'Network changed', took: 'took',
    total: (ms) => `${ms} ms in total`,
    resendIn: (s) => `resend in ${s} s`,
    loginTitle: 'One-click login', loginHint: 'No number to type: the carrier\'s authorization page shows this phone\'s number (partly hidden); confirm to log in.', claims: 'Signed result (assertion, for the business backend to verify)',
    authSim: 'Simulated carrier authorization page (the carrier shows the real one)', authClose: 'Close', authConfirm: 'Log in with this number',
    authTerms: 'By logging in you accept ', authOther: 'Log in another way',
    loginStates: { fetching_token: 'Carrier authorization page', verifying: 'Server exchanges the loginToken', logged_in: 'Logged in', fallback: 'Falling back to SMS login' },
  },
};

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
let lang = params.get('lang') === 'en' || (!params.get('lang') && !/^zh/i.test(navigator.language || 'zh')) ? 'en' : 'zh-CN';
let deviceId = null;
let verifier = null;
let simQueue = Promise.resolve();
const t = () => TEXT[lang];

// ---- the simulated device ------------------------------------------------------------------------------------

function simSpec() {
  const spec = { phone: $('sim-phone').value.trim(), network: $('sim-network').value, vpn: $('sim-vpn').checked,
    riskScore: Number($('sim-risk').value) };
  if ($('sim-operator').value) spec.operator = $('sim-operator').value;
  return spec;
}

async function api(method, path, body) {
  const res = await fetch(path, { method, headers: body ? { 'Content-Type': 'application/json', 'Accept-Language': lang } : { 'Accept-Language': lang },
    body: body ? JSON.stringify(body) : undefined });
  let json = null;
  try { json = await res.json(); } catch { /* empty */ }
  return { status: res.status, json };
}

function syncDevice() {
  simQueue = simQueue.then(async () => {
    $('sim-status').textContent = t().simSaving;
    const spec = simSpec();
    const r = deviceId ? await api('PUT', `/sandbox/devices/${deviceId}`, spec) : await api('POST', '/sandbox/devices', spec);
    if (r.status === 404 && deviceId) { deviceId = null; return syncDevice(); }
    if (r.status >= 300) {
      $('sim-status').textContent = r.json && r.json.error ? r.json.error.message : `HTTP ${r.status}`;
      $('sim-status').dataset.ok = 'false';
      return undefined;
    }
    deviceId = r.json.deviceId;
    $('sim-status').dataset.ok = 'true';
    $('sim-status').dataset.phone = r.json.phone;
    $('sim-status').dataset.operator = r.json.operator;
    $('login-el').setAttribute('operator', r.json.operator);
    $('sim-status').textContent = t().simReady(deviceId, `${r.json.operator} · ${r.json.network}${r.json.vpn ? ' · VPN' : ''}`);
    provider.changed();
    return undefined;
  });
  return simQueue;
}

async function refreshInbox() {
  if (!deviceId) return;
  const r = await api('GET', `/sandbox/devices/${deviceId}/inbox`);
  const list = $('inbox');
  list.replaceChildren();
  const messages = (r.json && r.json.messages) || [];
  for (const m of messages.slice().reverse()) {
    const li = document.createElement('li');
    const code = document.createElement('b');
    code.textContent = m.code;
    li.append(code, document.createElement('br'), m.text);
    list.append(li);
  }
  $('inbox-count').textContent = String(messages.length);
  if (messages.length) $('inbox-box').open = true;
}

const sandbox = sandboxProvider({
  base: '/sandbox',
  device: () => deviceId,
  // A browser cannot see a VPN: only the carrier gateways notice it (their codes explain it). So the simulated
  // device's network stands in for the browser's, but its VPN switch reaches the gateways alone.
  network: () => ($('sim-env').checked ? null : { network: $('sim-network').value }),
  operator: () => $('sim-status').dataset.operator,
  authorize: ({ operator, masked, signal }) => openAuth(operator, masked, signal),
});
// The elements' provider: the sandbox one, whose token requests wait for the simulated device's last change.
const provider = {
  ...sandbox,
  getToken: async (operator, options) => { await simQueue; return sandbox.getToken(operator, options); },
  getLoginToken: async (operator, options) => { await simQueue; return sandbox.getLoginToken(operator, options); },
};

// ---- the carrier's authorization page (simulated) --------------------------------------------------------------

// Shown only after the carrier's gateway pre-fetched the number (its own SIM): `masked` is what it found. Resolves
// true when the user confirms, false when they close the page (or choose another way to log in).
function openAuth(operator, masked, signal) {
  const dialog = $('auth');
  const c = verifier.carriers().find((x) => x.id === operator);
  $('auth-title').textContent = c ? c.name : operator;
  $('auth-title').dataset.operator = operator;
  $('auth-number').textContent = masked || '';
  $('auth-branding').textContent = c ? c.branding : '';
  $('auth-agreement').textContent = c ? c.agreement.name : '';
  if (c) $('auth-agreement').href = c.agreement.url;
  return new Promise((resolve) => {
    const done = (yes) => {
      for (const [el, f] of handlers) el.removeEventListener(el === dialog ? 'cancel' : 'click', f);
      if (signal) signal.removeEventListener('abort', onAbort);
      if (dialog.open) dialog.close();
      resolve(yes);
    };
    const onAbort = () => done(false);
    const handlers = [[$('auth-confirm'), () => done(true)], [$('auth-close'), () => done(false)],
      [$('auth-other'), () => done(false)], [dialog, (e) => { e.preventDefault(); done(false); }]];
    for (const [el, f] of handlers) el.addEventListener(el === dialog ? 'cancel' : 'click', f);
    if (signal) signal.addEventListener('abort', onAbort, { once: true });
    dialog.showModal();
  });
}

// ---- environment, phone, consent -----------------------------------------------------------------------------

function renderEnv(env = verifier.checkEnvironment()) {
  const v = $('env-verdict');
  v.dataset.verdict = env.verdict;
  v.textContent = t().verdict[env.verdict] || env.verdict;
  $('env-advice').textContent = env.message;
  $('env-advice').dataset.advice = env.advice;
  const reasons = $('env-reasons');
  reasons.replaceChildren();
  for (const d of env.details || []) {
    const li = document.createElement('li');
    li.dataset.code = d.code;
    li.textContent = `${d.code}: ${d.message}`;
    reasons.append(li);
  }
}

// ---- the journey ---------------------------------------------------------------------------------------------

function addStep(text, kind, ms, at0, at, list = 'timeline') {
  const li = document.createElement('li');
  li.dataset.kind = kind;
  li.textContent = text;
  const time = document.createElement('time');
  const rel = Math.max(0, Math.round(at - at0));
  time.textContent = `+${rel} ms${ms !== undefined ? ` · ${t().took} ${Math.round(ms)} ms` : ''}`;
  li.append(time);
  $(list).append(li);
}

function details(r) {
  const bits = [r.code];
  if (r.masked && r.loggedIn) bits.push(r.masked);
  if (r.operator) bits.push(r.operator);
  if (r.upstreamCode) bits.push(`vendor ${r.upstreamCode}`);
  if (r.risk) bits.push(`risk ${r.risk.score} ${r.risk.decision}`);
  if (r.retryAfterSec) bits.push(t().resendIn(r.retryAfterSec));
  if (r.adviceMessage && !r.verified && !r.loggedIn) bits.push(r.adviceMessage);
  if (r.elapsedMs !== undefined) bits.push(t().total(r.elapsedMs));
  return bits.join(' · ');
}

// Each card's timeline, from its element's nv-state events; a new attempt starts a new timeline.
function follow(el, list, box, login) {
  let at0 = null;
  el.addEventListener('nv-state', (ev) => {
    const e = ev.detail;
    if (at0 === null) {
      $(list).replaceChildren();
      $(box).textContent = '';
      if (login) $('login-claims').hidden = true;
      at0 = e.at;
    }
    const add = (text, kind, ms) => addStep(text, kind, ms, at0, e.at, list);
    if (e.networkChange) add(t().networkChange, 'info');
    if (e.event === 'token_error') add(t().tokenError(e.operator, e.code), 'error', e.ms);
    for (const s of e.path) {
      const label = (login && t().loginStates[s]) || t().states[s] || s;
      const kind = s === 'verified' || s === 'logged_in' ? 'done' : s === 'not_verified' || s === 'fallback' ? 'error' : 'step';
      const extra = s === 'fetching_token' && e.asking ? ` (${e.asking})` : '';
      const timed = ['token_ready', 'verified', 'logged_in', 'not_verified', 'fallback'].includes(s);
      add(label + extra, kind, timed ? e.ms : undefined);
    }
  });
  el.addEventListener('nv-result', (ev) => {
    const r = ev.detail;
    at0 = null;
    $(box).textContent = r.method === 'sms' ? '' : details(r);
    if (login) {
      $('login-claims').hidden = !r.assertion;
      $('login-claims-body').textContent = r.assertion ? claimsOf(r.assertion) : '';
    }
  });
  el.addEventListener('nv-sms', () => refreshInbox());
}

// ---- one-click login ------------------------------------------------------------------------------------------

function claimsOf(assertion) {
  try {
    const [h, p] = assertion.split('.').slice(0, 2).map((part) => JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/'))));
    return JSON.stringify({ header: h, claims: p }, null, 2);
  } catch { return assertion; }
}

// ---- language ------------------------------------------------------------------------------------------------

function applyLanguage() {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll('[data-i18n]')) {
    const v = t()[el.dataset.i18n];
    if (typeof v === 'string') el.textContent = v;
  }
  for (const el of document.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t()[el.dataset.i18nLabel]);
  for (const b of document.querySelectorAll('.lang button')) b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
  document.title = `${t().title} · Demo`;
  for (const el of [$('verify-el'), $('login-el')]) el.setAttribute('locale', lang);
}

async function makeVerifier() {
  if (verifier) verifier.destroy();
  verifier = await createVerifier({ server: '/api/v1', tokenProvider: provider, locale: lang });
  verifier.onNetworkChange((env) => renderEnv(env));
  renderEnv();
}

async function setLanguage(next) {
  if (next === lang) return;
  lang = next;
  const u = new URL(location.href);
  u.searchParams.set('lang', lang);
  history.replaceState(null, '', u);
  applyLanguage();
  await makeVerifier();
}

// ---- start ---------------------------------------------------------------------------------------------------

async function main() {
  if (params.get('sim')) $('sim-phone').value = params.get('sim');
  if (params.get('network')) $('sim-network').value = params.get('network');
  if (params.get('vpn') === '1' || params.get('vpn') === 'true') $('sim-vpn').checked = true;
  if (params.get('risk')) $('sim-risk').value = params.get('risk');
  if (params.get('operator')) $('sim-operator').value = params.get('operator');
  if (params.get('env') === 'browser') $('sim-env').checked = true;
  for (const [el, list, box, login] of [['verify-el', 'timeline', 'result-details', false],
    ['login-el', 'login-timeline', 'login-details', true]]) {
    $(el).tokenProvider = provider;
    follow($(el), list, box, login);
  }
  applyLanguage();
  await makeVerifier();
  await syncDevice();
  renderEnv();

  for (const id of ['sim-phone', 'sim-network', 'sim-vpn', 'sim-risk', 'sim-operator']) $(id).addEventListener('change', () => syncDevice());
  $('sim-env').addEventListener('change', () => { provider.changed(); renderEnv(); });
  for (const b of document.querySelectorAll('.lang button')) b.addEventListener('click', () => setLanguage(b.dataset.lang));
  document.body.dataset.ready = 'true';
}

main().catch((err) => {
  $('result-details').dataset.outcome = 'rejected';
  $('result-details').textContent = `The demo could not start: ${err && err.message}`;
});
