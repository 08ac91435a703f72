#!/usr/bin/env node
// Verifies nv-server assertions (ES256 JWS) the way a partner backend should.
// Usage: node verify-assertion.mjs <jwks-url> <audience> <issuer> <assertion> [<assertion> ...]
// Prints one JSON line per assertion; exits 0 only if every one was valid. Needs npm "jose".
import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify } from 'jose';

const LEEWAY_SECONDS = 30;

const [jwksUrl, audience, issuer, ...assertions] = process.argv.slice(2);
if (!jwksUrl || !audience || !issuer || assertions.length === 0) {
  console.error('usage: verify-assertion.mjs <jwks-url> <audience> <issuer> <assertion> [<assertion> ...]');
  process.exit(2);
}

// Fetched on first use and kept; refetched when it is 10 minutes old, or when a kid is unknown (a key rotated)
// but at most once a minute, so tokens with made-up kids cannot make us hammer the JWKS endpoint.
const remoteJwks = createRemoteJWKSet(new URL(jwksUrl), {
  cacheMaxAge: 10 * 60_000,
  cooldownDuration: 60_000,
  timeoutDuration: 5_000,
});

class Rejected extends Error {}

async function keyFor(header, token) {
  try {
    return await remoteJwks(header, token);
  } catch (e) {
    if (e instanceof errors.JWKSNoMatchingKey) throw new Rejected('unknown kid');
    throw new Rejected('jwks unavailable');
  }
}

// jti -> exp (seconds). One process here; with several backend instances use a shared store instead,
// e.g. Redis `SET nv:jti:<jti> 1 NX EXAT <exp + leeway>` (a nil answer means: already used).
const usedJtis = new Map();

function consumeJti(jti, exp, now) {
  for (const [j, e] of usedJtis) if (e + LEEWAY_SECONDS < now) usedJtis.delete(j);
  if (usedJtis.has(jti)) return false;
  usedJtis.set(jti, exp);
  return true;
}

async function verify(assertion) {
  let header;
  try {
    header = decodeProtectedHeader(assertion);
  } catch {
    throw new Rejected('malformed');
  }
  if (header.alg !== 'ES256') throw new Rejected('alg not ES256');
  if (typeof header.kid !== 'string') throw new Rejected('unknown kid');

  let payload;
  try {
    ({ payload } = await jwtVerify(assertion, keyFor, {
      algorithms: ['ES256'],
      issuer,
      audience,
      clockTolerance: LEEWAY_SECONDS,
      requiredClaims: ['iss', 'aud', 'exp', 'iat', 'jti', 'phone_number'],
    }));
  } catch (e) {
    if (e instanceof Rejected) throw e;
    if (e instanceof errors.JWSSignatureVerificationFailed) throw new Rejected('bad signature');
    if (e instanceof errors.JOSEAlgNotAllowed) throw new Rejected('alg not ES256');
    if (e instanceof errors.JWTExpired) throw new Rejected('expired');
    if (e instanceof errors.JWTClaimValidationFailed) {
      if (e.reason === 'missing') throw new Rejected(`missing ${e.claim}`);
      if (e.claim === 'iss') throw new Rejected('wrong iss');
      if (e.claim === 'aud') throw new Rejected('wrong aud');
      if (e.claim === 'nbf') throw new Rejected('not yet valid');
      throw new Rejected(`bad ${e.claim}`);
    }
    throw new Rejected('malformed');
  }

  const now = Math.floor(Date.now() / 1000);
  if (payload.iat > now + LEEWAY_SECONDS) throw new Rejected('iat in the future');
  if (payload.phone_number_verified !== true) throw new Rejected('phone_number not verified');
  if (typeof payload.phone_number !== 'string') throw new Rejected('bad phone_number');
  if (typeof payload.jti !== 'string' || payload.jti === '') throw new Rejected('bad jti');
  // Last, so that an assertion refused for another reason does not use up its jti.
  if (!consumeJti(payload.jti, payload.exp, now)) throw new Rejected('replayed jti');
  return { ok: true, phone_number: payload.phone_number, amr: payload.amr ?? [], jti: payload.jti };
}

let allValid = true;
for (const assertion of assertions) {
  try {
    console.log(JSON.stringify(await verify(assertion)));
  } catch (e) {
    allValid = false;
    console.log(JSON.stringify({ ok: false, error: e instanceof Rejected ? e.message : 'internal error' }));
  }
}
process.exitCode = allValid ? 0 : 1;
