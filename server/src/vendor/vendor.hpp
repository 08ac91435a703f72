// The vendor port: what the use cases (verify a number, one-click login, business risk, the page's vendor session)
// ask of a number-verification vendor, whoever it is. Each vendor is one adapter file beside this one (jiguang,
// aliyun); the facts about each (token lifetimes, processes, codes, billing) are the core's vendor table
// (nv/vendors.hpp). An adapter sends, reads the answer into the product's terms (VerifyOutcome) and returns; the
// rules around it (quotas, replay, ledger, risk policy, assertion) are the use cases'.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "nv/vendors.hpp"
#include "rules/circuit.hpp"
#include "rules/outcome.hpp"

namespace nv::server {

struct VerifyCall {
    std::string token;  // the page's token (Jiguang's token, Aliyun's spToken)
    std::string phone;  // national digits
    std::optional<std::string> ex_id;
    std::string ip;  // the client's IP (Jiguang v2 forwards it)
};

struct LoginCall {
    std::string token;  // Jiguang's loginToken, Aliyun's login spToken
    std::optional<std::string> ex_id;
    std::string ip;
};

// One vendor call's result: the raw reply (transport, status, time: metrics and logs) and what it means.
struct VendorResult {
    UpstreamReply reply;
    VerifyOutcome outcome;
    bool circuit_open = false;  // refused without a call: the vendor's circuit is open (usecase/vendor_call.hpp)
};

// The page session a vendor's Web SDK needs (Aliyun: AccessToken + JwtToken from GetAuthToken).
struct PageSession {
    std::string access_token;
    std::string jwt_token;
    std::int64_t expires_ms = 0;  // when the shorter-lived of the two expires
};
struct SessionResult {
    std::optional<PageSession> session;
    VerifyOutcome failure;  // when there is no session: why (the same outcomes as a verification's errors)
    UpstreamReply reply;
};

class Vendor {
public:
    virtual ~Vendor() = default;
    virtual VendorId id() const = 0;
    const VendorInfo& info() const { return vendor_info(id()); }

    virtual VendorResult verify(const VerifyCall& call, const OutcomeContext& ctx) = 0;
    virtual VendorResult login(const LoginCall& call, const OutcomeContext& ctx) = 0;
    // Only for vendors whose table row offers_risk; others answer nullopt (the use case says VENDOR_NOT_SUPPORTED).
    virtual std::optional<UpstreamReply> business_risk(const std::string& phone, const std::optional<std::string>& ip,
                                                       const std::optional<std::string>& ex_id) = 0;
    // The page session for `origin` ("https://partner.example") and a process (login or verify), at `now_ms`.
    // Vendors whose SDK needs none answer a failure with VENDOR_NOT_SUPPORTED.
    virtual SessionResult session(const std::string& origin, bool login, std::int64_t now_ms) = 0;
};

// The configured vendors, in the configured order (the first is the default), each with its circuit.
class Vendors {
public:
    explicit Vendors(CircuitPolicy policy = {}) : policy_(policy) {}
    Vendors(const Vendors&) = delete;
    Vendors& operator=(const Vendors&) = delete;

    void add(Vendor& v) { list_.push_back(&v); }
    Vendor* find(VendorId id) const {
        for (Vendor* v : list_) {
            if (v->id() == id) return v;
        }
        return nullptr;
    }
    Vendor& first() const { return *list_.front(); }
    // The first configured vendor with a business-risk API (the risk query and the SMS-pumping check), or nullptr.
    Vendor* with_risk() const {
        for (Vendor* v : list_) {
            if (v->info().offers_risk) return v;
        }
        return nullptr;
    }
    const std::vector<Vendor*>& all() const { return list_; }

    // The circuit: may a call go out now (half-open: one trial), and what the call came to.
    bool admit(VendorId id, std::int64_t now_ms) {
        std::lock_guard lock(mu_);
        const CircuitAdmission a = circuit_admit(circuits_[index(id)], now_ms);
        circuits_[index(id)] = a.next;
        return a.allowed;
    }
    void record(VendorId id, bool failed, std::int64_t now_ms) {
        std::lock_guard lock(mu_);
        circuits_[index(id)] = circuit_record(circuits_[index(id)], failed, policy_, now_ms);
    }
    CircuitState circuit(VendorId id) const {
        std::lock_guard lock(mu_);
        return circuits_[index(id)];
    }
    std::int64_t open_ms_left(VendorId id, std::int64_t now_ms) const {
        const CircuitState s = circuit(id);
        return s.open_until_ms > now_ms ? s.open_until_ms - now_ms : 0;
    }
    const CircuitPolicy& policy() const { return policy_; }

private:
    static std::size_t index(VendorId id) { return static_cast<std::size_t>(id); }

    std::vector<Vendor*> list_;
    CircuitPolicy policy_;
    mutable std::mutex mu_;
    std::array<CircuitState, kVendorCount> circuits_{};
};

}  // namespace nv::server
