#include "base/keys.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "base/crypto.hpp"

namespace nv::server {
namespace {

using nlohmann::json;

struct BioFree {
    void operator()(BIO* b) const { BIO_free(b); }
};
struct CtxFree {
    void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using CtxPtr = std::unique_ptr<EVP_PKEY_CTX, CtxFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

// A big-endian field element padded to 32 bytes.
std::string coordinate(EVP_PKEY* pkey, const char* name) {
    BIGNUM* bn = nullptr;
    if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) return {};
    std::string out(32, '\0');
    BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), 32);
    BN_free(bn);
    return out;
}

}  // namespace

Key::Key(EVP_PKEY* pkey) : pkey_(pkey, EVP_PKEY_free) {}

std::optional<Key> Key::from_pem(std::string_view pem, std::string& error) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    EVP_PKEY* pkey = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
    ERR_clear_error();
    if (pkey == nullptr) {
        error = "not a PEM private key (PKCS#8, PKCS#1 or SEC1), or it is encrypted";
        return std::nullopt;
    }
    return Key(pkey);
}

std::optional<Key> Key::public_from_pem(std::string_view pem, std::string& error) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    EVP_PKEY* pkey = bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr;
    ERR_clear_error();
    if (pkey == nullptr) {
        error = "not a PEM public key";
        return std::nullopt;
    }
    return Key(pkey);
}

std::optional<Key> Key::from_file(const std::string& path, std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = "cannot read " + path;
        return std::nullopt;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    auto key = from_pem(ss.str(), error);
    if (!key) error = path + ": " + error;
    return key;
}

Key Key::generate_rsa(int bits) { return Key(EVP_RSA_gen(static_cast<unsigned>(bits))); }

Key Key::generate_p256() { return Key(EVP_EC_gen("P-256")); }

bool Key::is_rsa() const { return pkey_ && EVP_PKEY_is_a(pkey_.get(), "RSA") == 1; }

bool Key::is_p256() const {
    if (!pkey_ || EVP_PKEY_is_a(pkey_.get(), "EC") != 1) return false;
    char group[64] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey_.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) != 1) {
        return false;
    }
    const std::string g(group, len);
    return g == "prime256v1" || g == "P-256";
}

std::string Key::public_pem() const {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!pkey_ || !bio || PEM_write_bio_PUBKEY(bio.get(), pkey_.get()) != 1) return {};
    return bio_text(bio.get());
}

std::string Key::private_pem() const {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!pkey_ || !bio || PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        return {};
    }
    return bio_text(bio.get());
}

namespace {

// One RSA PKCS#1 v1.5 operation (EVP_PKEY_encrypt or EVP_PKEY_decrypt, which share their shape): the size query,
// then the operation itself.
using RsaInit = int (*)(EVP_PKEY_CTX*);
using RsaOp = int (*)(EVP_PKEY_CTX*, unsigned char*, std::size_t*, const unsigned char*, std::size_t);

std::optional<std::string> rsa_pkcs1(EVP_PKEY* pkey, RsaInit init, RsaOp op, std::string_view input) {
    CtxPtr ctx(EVP_PKEY_CTX_new(pkey, nullptr));
    std::size_t len = 0;
    const auto* in = reinterpret_cast<const unsigned char*>(input.data());
    if (!ctx || init(ctx.get()) != 1 || EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1 ||
        op(ctx.get(), nullptr, &len, in, input.size()) != 1) {
        ERR_clear_error();
        return std::nullopt;
    }
    std::string out(len, '\0');
    if (op(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len, in, input.size()) != 1) {
        ERR_clear_error();
        return std::nullopt;
    }
    out.resize(len);
    return out;
}

}  // namespace

std::optional<std::string> Key::rsa_decrypt(std::string_view ciphertext) const {
    if (!is_rsa()) return std::nullopt;
    return rsa_pkcs1(pkey_.get(), EVP_PKEY_decrypt_init, EVP_PKEY_decrypt, ciphertext);
}

std::optional<std::string> Key::rsa_encrypt(std::string_view plaintext) const {
    if (!is_rsa()) return std::nullopt;
    return rsa_pkcs1(pkey_.get(), EVP_PKEY_encrypt_init, EVP_PKEY_encrypt, plaintext);
}

std::optional<std::string> Key::es256_sign(std::string_view data) const {
    if (!is_p256()) return std::nullopt;
    MdCtxPtr md(EVP_MD_CTX_new());
    std::size_t len = 0;
    if (!md || EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, pkey_.get()) != 1 ||
        EVP_DigestSign(md.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
        ERR_clear_error();
        return std::nullopt;
    }
    std::vector<unsigned char> der(len);
    if (EVP_DigestSign(md.get(), der.data(), &len, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
        ERR_clear_error();
        return std::nullopt;
    }
    // DER SEQUENCE {r, s} -> r || s, each 32 bytes (RFC 7518 3.4).
    const unsigned char* p = der.data();
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len));
    if (sig == nullptr) return std::nullopt;
    std::string out(64, '\0');
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig, &r, &s);
    BN_bn2binpad(r, reinterpret_cast<unsigned char*>(out.data()), 32);
    BN_bn2binpad(s, reinterpret_cast<unsigned char*>(out.data()) + 32, 32);
    ECDSA_SIG_free(sig);
    return out;
}

bool Key::es256_verify(std::string_view data, std::string_view signature) const {
    if (!is_p256() || signature.size() != 64) return false;
    ECDSA_SIG* sig = ECDSA_SIG_new();
    BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(signature.data()), 32, nullptr);
    BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(signature.data()) + 32, 32, nullptr);
    ECDSA_SIG_set0(sig, r, s);
    unsigned char* der = nullptr;
    const int der_len = i2d_ECDSA_SIG(sig, &der);
    ECDSA_SIG_free(sig);
    if (der_len <= 0) return false;
    MdCtxPtr md(EVP_MD_CTX_new());
    const bool ok = md && EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, pkey_.get()) == 1 &&
                    EVP_DigestVerify(md.get(), der, static_cast<std::size_t>(der_len),
                                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
    OPENSSL_free(der);
    ERR_clear_error();
    return ok;
}

json Key::public_jwk() const {
    if (!is_p256()) return json::object();
    return json{{"kty", "EC"},
                {"crv", "P-256"},
                {"x", base64url_encode(coordinate(pkey_.get(), OSSL_PKEY_PARAM_EC_PUB_X))},
                {"y", base64url_encode(coordinate(pkey_.get(), OSSL_PKEY_PARAM_EC_PUB_Y))}};
}

std::string Key::thumbprint() const {
    const json jwk = public_jwk();
    if (jwk.empty()) return {};
    // RFC 7638: the required members, lexicographic order, no whitespace (nlohmann sorts object keys).
    return base64url_encode(sha256_bytes(jwk.dump()));
}

std::string base64url_encode(std::string_view data) {
    std::string s = base64_encode(data);
    for (char& c : s) {
        if (c == '+') c = '-';
        else if (c == '/') c = '_';
    }
    while (!s.empty() && s.back() == '=') s.pop_back();
    return s;
}

std::optional<std::string> base64url_decode(std::string_view text) {
    std::string s(text);
    for (char& c : s) {
        if (c == '-') c = '+';
        else if (c == '_') c = '/';
        else if (c == '+' || c == '/' || c == '=') return std::nullopt;
    }
    while (s.size() % 4 != 0) s.push_back('=');
    return base64_decode(s);
}

std::string sign_jws_es256(const Key& key, const std::string& kid, const json& claims) {
    const json header{{"alg", "ES256"}, {"typ", "JWT"}, {"kid", kid}};
    const std::string input = base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());
    const auto sig = key.es256_sign(input);
    return sig ? input + "." + base64url_encode(*sig) : std::string();
}

}  // namespace nv::server
