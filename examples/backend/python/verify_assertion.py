#!/usr/bin/python3
"""Verifies nv-server assertions (ES256 JWS) the way a partner backend should.

Usage: verify_assertion.py <jwks-url> <audience> <issuer> <assertion> [<assertion> ...]
Prints one JSON line per assertion; exits 0 only if every one was valid.
Needs PyJWT 2.x with cryptography (Debian: python3-jwt python3-cryptography).
"""
import json
import sys
import time
import urllib.request

import jwt

LEEWAY_SECONDS = 30


class Rejected(Exception):
    pass


class JwksCache:
    """kid -> key, fetched on first use and kept; refetched when 10 minutes old, or when a kid is unknown
    (a key rotated) but at most once a minute, so tokens with made-up kids cannot make us hammer the endpoint."""

    MAX_AGE = 600
    COOLDOWN = 60

    def __init__(self, url):
        self.url = url
        self.keys = None
        self.fetched_at = 0.0

    def _fetch(self):
        try:
            with urllib.request.urlopen(self.url, timeout=5) as response:
                jwks = json.loads(response.read(1 << 20))
        except (OSError, ValueError) as e:
            raise Rejected("jwks unavailable") from e
        keys = {}
        for jwk in jwks.get("keys", []) if isinstance(jwks, dict) else []:
            if not isinstance(jwk, dict) or not isinstance(jwk.get("kid"), str):
                continue
            if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
                continue
            if jwk.get("alg", "ES256") != "ES256" or jwk.get("use", "sig") != "sig":
                continue
            try:
                keys.setdefault(jwk["kid"], jwt.PyJWK(jwk, algorithm="ES256").key)
            except (jwt.PyJWTError, ValueError, TypeError):
                continue  # a key we cannot use is as good as absent
        return keys

    def key(self, kid):
        now = time.monotonic()
        age = now - self.fetched_at
        if self.keys is None or age >= self.MAX_AGE or (kid not in self.keys and age >= self.COOLDOWN):
            self.fetched_at = now  # a failed attempt counts too: a failing endpoint is not hammered either
            try:
                self.keys = self._fetch()
            except Rejected:
                if self.keys is None:
                    raise
                # otherwise keep the keys we have
        if kid not in self.keys:
            raise Rejected("unknown kid")
        return self.keys[kid]


# jti -> exp (seconds). One process here; with several backend instances use a shared store instead,
# e.g. Redis `SET nv:jti:<jti> 1 NX EXAT <exp + leeway>` (a nil answer means: already used).
used_jtis = {}


def consume_jti(jti, exp, now):
    for j, e in list(used_jtis.items()):
        if e + LEEWAY_SECONDS < now:
            del used_jtis[j]
    if jti in used_jtis:
        return False
    used_jtis[jti] = exp
    return True


def verify(assertion, jwks, audience, issuer):
    try:
        header = jwt.get_unverified_header(assertion)
    except jwt.PyJWTError as e:
        raise Rejected("malformed") from e
    if header.get("alg") != "ES256":
        raise Rejected("alg not ES256")
    if "crit" in header:
        raise Rejected("malformed")  # no extension is understood here
    kid = header.get("kid")
    if not isinstance(kid, str):
        raise Rejected("unknown kid")
    key = jwks.key(kid)

    try:
        claims = jwt.decode(
            assertion,
            key,
            algorithms=["ES256"],
            audience=audience,
            issuer=issuer,
            leeway=LEEWAY_SECONDS,
            # iat is checked below: PyJWT's own iat check differs between versions.
            options={"require": ["iss", "aud", "exp", "iat", "jti", "phone_number"], "verify_iat": False},
        )
    except jwt.InvalidSignatureError as e:
        raise Rejected("bad signature") from e
    except jwt.InvalidAlgorithmError as e:
        raise Rejected("alg not ES256") from e
    except jwt.ExpiredSignatureError as e:
        raise Rejected("expired") from e
    except jwt.MissingRequiredClaimError as e:
        raise Rejected(f"missing {e.claim}") from e
    except jwt.InvalidIssuerError as e:
        raise Rejected("wrong iss") from e
    except jwt.InvalidAudienceError as e:
        raise Rejected("wrong aud") from e
    except jwt.ImmatureSignatureError as e:
        raise Rejected("not yet valid") from e
    except jwt.PyJWTError as e:
        raise Rejected("malformed") from e

    now = int(time.time())
    iat = claims["iat"]
    if isinstance(iat, bool) or not isinstance(iat, (int, float)):
        raise Rejected("bad iat")
    if iat > now + LEEWAY_SECONDS:
        raise Rejected("iat in the future")
    if claims.get("phone_number_verified") is not True:
        raise Rejected("phone_number not verified")
    if not isinstance(claims["phone_number"], str):
        raise Rejected("bad phone_number")
    if not isinstance(claims["jti"], str) or claims["jti"] == "":
        raise Rejected("bad jti")
    # Last, so that an assertion refused for another reason does not use up its jti.
    if not consume_jti(claims["jti"], claims["exp"], now):
        raise Rejected("replayed jti")
    return {"ok": True, "phone_number": claims["phone_number"], "amr": claims.get("amr", []), "jti": claims["jti"]}


def main(argv):
    if len(argv) < 5:
        print("usage: verify_assertion.py <jwks-url> <audience> <issuer> <assertion> [<assertion> ...]",
              file=sys.stderr)
        return 2
    jwks_url, audience, issuer, assertions = argv[1], argv[2], argv[3], argv[4:]
    jwks = JwksCache(jwks_url)
    all_valid = True
    for assertion in assertions:
        try:
            result = verify(assertion, jwks, audience, issuer)
        except Rejected as e:
            all_valid = False
            result = {"ok": False, "error": str(e)}
        print(json.dumps(result, separators=(",", ":")), flush=True)
    return 0 if all_valid else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
