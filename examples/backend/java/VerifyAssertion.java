// Verifies nv-server assertions (ES256 JWS) the way a partner backend should, with the JDK alone (Java 17).
// Usage: java VerifyAssertion.java <jwks-url> <audience> <issuer> <assertion> [<assertion> ...]
// Prints one JSON line per assertion; exits 0 only if every one was valid.

import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

public class VerifyAssertion {
    static final long LEEWAY_SECONDS = 30;

    static final class Rejected extends Exception {
        Rejected(String reason) { super(reason, null, false, false); }
    }

    public static void main(String[] args) {
        if (args.length < 4) {
            System.err.println("usage: java VerifyAssertion.java <jwks-url> <audience> <issuer> <assertion> [<assertion> ...]");
            System.exit(2);
        }
        Verifier verifier = new Verifier(new JwksCache(URI.create(args[0])), args[1], args[2]);
        boolean allValid = true;
        for (int i = 3; i < args.length; i++) {
            String line;
            try {
                Map<String, Object> claims = verifier.verify(args[i]);
                Object amr = claims.containsKey("amr") ? claims.get("amr") : List.of();
                line = "{\"ok\":true,\"phone_number\":" + Json.write(claims.get("phone_number")) + ",\"amr\":"
                        + Json.write(amr) + ",\"jti\":" + Json.write(claims.get("jti")) + "}";
            } catch (Rejected e) {
                allValid = false;
                line = "{\"ok\":false,\"error\":" + Json.write(e.getMessage()) + "}";
            }
            System.out.println(line);
        }
        System.exit(allValid ? 0 : 1);
    }

    static final class Verifier {
        private final JwksCache jwks;
        private final String audience, issuer;
        // jti -> exp. One process here; with several backend instances use a shared store instead,
        // e.g. Redis `SET nv:jti:<jti> 1 NX EXAT <exp + leeway>` (a nil answer means: already used).
        private final Map<String, BigDecimal> usedJtis = new HashMap<>();

        Verifier(JwksCache jwks, String audience, String issuer) {
            this.jwks = jwks;
            this.audience = audience;
            this.issuer = issuer;
        }

        private static final Pattern B64URL = Pattern.compile("[A-Za-z0-9_-]*");

        private static byte[] b64url(String part) throws Rejected {
            if (!B64URL.matcher(part).matches()) throw new Rejected("malformed");
            try {
                return Base64.getUrlDecoder().decode(part);
            } catch (IllegalArgumentException e) {
                throw new Rejected("malformed");
            }
        }

        private static Map<String, Object> jsonObject(byte[] bytes) throws Rejected {
            try {
                String text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
                if (Json.parse(text) instanceof Map<?, ?> m) return Json.asObject(m);
            } catch (CharacterCodingException | IllegalArgumentException e) {
                // falls through
            }
            throw new Rejected("malformed");
        }

        Map<String, Object> verify(String assertion) throws Rejected {
            String[] parts = assertion.split("\\.", -1);
            if (parts.length != 3) throw new Rejected("malformed");
            Map<String, Object> header = jsonObject(b64url(parts[0]));
            if (!"ES256".equals(header.get("alg"))) throw new Rejected("alg not ES256");
            if (header.containsKey("crit")) throw new Rejected("malformed"); // no extension is understood here
            if (!(header.get("kid") instanceof String kid)) throw new Rejected("unknown kid");
            PublicKey key = jwks.key(kid);

            byte[] signature = b64url(parts[2]);
            boolean valid;
            try {
                Signature verifier = Signature.getInstance("SHA256withECDSAinP1363Format");
                verifier.initVerify(key);
                verifier.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
                valid = signature.length == 64 && verifier.verify(signature);
            } catch (GeneralSecurityException e) {
                valid = false;
            }
            if (!valid) throw new Rejected("bad signature");

            Map<String, Object> claims = jsonObject(b64url(parts[1]));
            for (String claim : List.of("iss", "aud", "exp", "iat", "jti", "phone_number")) {
                if (!claims.containsKey(claim)) throw new Rejected("missing " + claim);
            }
            if (!issuer.equals(claims.get("iss"))) throw new Rejected("wrong iss");
            Object aud = claims.get("aud"); // a string, or (RFC 7519) an array of strings
            if (!(audience.equals(aud) || (aud instanceof List<?> l && l.contains(audience)))) {
                throw new Rejected("wrong aud");
            }
            long now = Instant.now().getEpochSecond();
            if (!(claims.get("exp") instanceof BigDecimal exp)) throw new Rejected("bad exp");
            if (exp.compareTo(BigDecimal.valueOf(now - LEEWAY_SECONDS)) <= 0) throw new Rejected("expired");
            if (!(claims.get("iat") instanceof BigDecimal iat)) throw new Rejected("bad iat");
            if (iat.compareTo(BigDecimal.valueOf(now + LEEWAY_SECONDS)) > 0) throw new Rejected("iat in the future");
            if (claims.containsKey("nbf")) {
                if (!(claims.get("nbf") instanceof BigDecimal nbf)) throw new Rejected("bad nbf");
                if (nbf.compareTo(BigDecimal.valueOf(now + LEEWAY_SECONDS)) > 0) throw new Rejected("not yet valid");
            }
            if (!Boolean.TRUE.equals(claims.get("phone_number_verified"))) throw new Rejected("phone_number not verified");
            if (!(claims.get("phone_number") instanceof String)) throw new Rejected("bad phone_number");
            if (!(claims.get("jti") instanceof String jti) || jti.isEmpty()) throw new Rejected("bad jti");
            // Last, so that an assertion refused for another reason does not use up its jti.
            BigDecimal forgetBefore = BigDecimal.valueOf(now - LEEWAY_SECONDS);
            usedJtis.values().removeIf(e -> e.compareTo(forgetBefore) < 0);
            if (usedJtis.putIfAbsent(jti, exp) != null) throw new Rejected("replayed jti");
            return claims;
        }
    }

    /**
     * kid -> key, fetched on first use and kept; refetched when 10 minutes old, or when a kid is unknown (a key
     * rotated) but at most once a minute, so tokens with made-up kids cannot make us hammer the endpoint.
     */
    static final class JwksCache {
        static final Duration MAX_AGE = Duration.ofMinutes(10), COOLDOWN = Duration.ofMinutes(1);
        private final URI uri;
        private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        private Map<String, PublicKey> keys; // null until the first fetch succeeds
        private long fetchedAt; // System.nanoTime() of the last attempt

        JwksCache(URI uri) { this.uri = uri; }

        synchronized PublicKey key(String kid) throws Rejected {
            long now = System.nanoTime();
            long age = now - fetchedAt;
            if (keys == null || age >= MAX_AGE.toNanos() || (!keys.containsKey(kid) && age >= COOLDOWN.toNanos())) {
                fetchedAt = now; // a failed attempt counts too: a failing endpoint is not hammered either
                try {
                    keys = fetch();
                } catch (Rejected e) {
                    if (keys == null) throw e;
                    // otherwise keep the keys we have
                }
            }
            PublicKey key = keys.get(kid);
            if (key == null) throw new Rejected("unknown kid");
            return key;
        }

        private Map<String, PublicKey> fetch() throws Rejected {
            Object jwks;
            try {
                HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build();
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                if (response.statusCode() != 200) throw new Rejected("jwks unavailable");
                jwks = Json.parse(response.body());
            } catch (java.io.IOException | IllegalArgumentException e) {
                throw new Rejected("jwks unavailable");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Rejected("jwks unavailable");
            }
            Map<String, PublicKey> found = new HashMap<>();
            if (!(jwks instanceof Map<?, ?> set) || !(set.get("keys") instanceof List<?> list)) return found;
            for (Object entry : list) {
                if (!(entry instanceof Map<?, ?> jwk) || !(jwk.get("kid") instanceof String kid)) continue;
                if (!"EC".equals(jwk.get("kty")) || !"P-256".equals(jwk.get("crv"))) continue;
                if (jwk.containsKey("alg") && !"ES256".equals(jwk.get("alg"))) continue;
                if (jwk.containsKey("use") && !"sig".equals(jwk.get("use"))) continue;
                if (!(jwk.get("x") instanceof String x) || !(jwk.get("y") instanceof String y)) continue;
                try {
                    found.putIfAbsent(kid, p256Key(x, y));
                } catch (Rejected | GeneralSecurityException e) {
                    // a key we cannot use is as good as absent
                }
            }
            return found;
        }

        static PublicKey p256Key(String x, String y) throws Rejected, GeneralSecurityException {
            byte[] xb = Verifier.b64url(x), yb = Verifier.b64url(y);
            if (xb.length != 32 || yb.length != 32) throw new Rejected("bad key");
            AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
            parameters.init(new ECGenParameterSpec("secp256r1"));
            ECParameterSpec spec = parameters.getParameterSpec(ECParameterSpec.class);
            BigInteger px = new BigInteger(1, xb), py = new BigInteger(1, yb);
            // The point must be on the curve: y^2 = x^3 + ax + b (mod p).
            BigInteger p = ((ECFieldFp) spec.getCurve().getField()).getP();
            if (px.compareTo(p) >= 0 || py.compareTo(p) >= 0) throw new Rejected("bad key");
            BigInteger rhs = px.pow(3).add(spec.getCurve().getA().multiply(px)).add(spec.getCurve().getB()).mod(p);
            if (!py.modPow(BigInteger.TWO, p).equals(rhs)) throw new Rejected("bad key");
            return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(new ECPoint(px, py), spec));
        }
    }

    /**
     * A small, strict JSON (RFC 8259) reader: objects become Map, arrays List, strings String, numbers BigDecimal,
     * true/false Boolean, null null. Duplicate keys, trailing data and nesting deeper than 32 are refused
     * (IllegalArgumentException).
     */
    static final class Json {
        private final String s;
        private int i;

        private Json(String s) { this.s = s; }

        static Object parse(String text) {
            Json p = new Json(text);
            Object value = p.value(0);
            p.space();
            if (p.i != text.length()) throw new IllegalArgumentException("trailing data");
            return value;
        }

        @SuppressWarnings("unchecked")
        static Map<String, Object> asObject(Map<?, ?> m) { return (Map<String, Object>) m; }

        private void space() {
            while (i < s.length() && " \t\n\r".indexOf(s.charAt(i)) >= 0) i++;
        }

        private IllegalArgumentException error() { return new IllegalArgumentException("bad JSON at " + i); }

        private Object value(int depth) {
            if (depth > 32) throw error();
            space();
            if (i >= s.length()) throw error();
            char c = s.charAt(i);
            if (c == '{') {
                i++;
                Map<String, Object> object = new LinkedHashMap<>();
                space();
                if (i < s.length() && s.charAt(i) == '}') { i++; return object; }
                while (true) {
                    space();
                    if (i >= s.length() || s.charAt(i) != '"') throw error();
                    String key = string();
                    space();
                    if (i >= s.length() || s.charAt(i++) != ':') throw error();
                    if (object.containsKey(key)) throw error(); // duplicate key
                    object.put(key, value(depth + 1));
                    space();
                    if (i >= s.length()) throw error();
                    char d = s.charAt(i++);
                    if (d == '}') return object;
                    if (d != ',') throw error();
                }
            }
            if (c == '[') {
                i++;
                List<Object> array = new ArrayList<>();
                space();
                if (i < s.length() && s.charAt(i) == ']') { i++; return array; }
                while (true) {
                    array.add(value(depth + 1));
                    space();
                    if (i >= s.length()) throw error();
                    char d = s.charAt(i++);
                    if (d == ']') return array;
                    if (d != ',') throw error();
                }
            }
            if (c == '"') return string();
            if (s.startsWith("true", i)) { i += 4; return Boolean.TRUE; }
            if (s.startsWith("false", i)) { i += 5; return Boolean.FALSE; }
            if (s.startsWith("null", i)) { i += 4; return null; }
            return number();
        }

        private static final Pattern NUMBER = Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?");

        private Object number() {
            int start = i;
            while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
            String text = s.substring(start, i);
            if (!NUMBER.matcher(text).matches()) throw error();
            return new BigDecimal(text);
        }

        private String string() {
            i++; // the opening quote
            StringBuilder out = new StringBuilder();
            while (true) {
                if (i >= s.length()) throw error();
                char c = s.charAt(i++);
                if (c == '"') return out.toString();
                if (c < 0x20) throw error();
                if (c != '\\') { out.append(c); continue; }
                if (i >= s.length()) throw error();
                char e = s.charAt(i++);
                switch (e) {
                    case '"', '\\', '/' -> out.append(e);
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'u' -> {
                        if (i + 4 > s.length()) throw error();
                        try {
                            out.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        } catch (NumberFormatException x) {
                            throw error();
                        }
                        i += 4;
                    }
                    default -> throw error();
                }
            }
        }

        static String write(Object value) {
            if (value == null) return "null";
            if (value instanceof String str) {
                StringBuilder out = new StringBuilder("\"");
                for (char c : str.toCharArray()) {
                    if (c == '"' || c == '\\') out.append('\\').append(c);
                    else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
                return out.append('"').toString();
            }
            if (value instanceof List<?> list) {
                List<String> items = new ArrayList<>();
                for (Object item : list) items.add(write(item));
                return "[" + String.join(",", items) + "]";
            }
            if (value instanceof Map<?, ?> map) {
                List<String> items = new ArrayList<>();
                for (Map.Entry<?, ?> e : map.entrySet()) items.add(write(String.valueOf(e.getKey())) + ":" + write(e.getValue()));
                return "{" + String.join(",", items) + "}";
            }
            return value.toString(); // BigDecimal, Boolean
        }
    }
}
