// A call to a vendor through its circuit (rules/circuit.hpp, kept per vendor in Vendors): while the circuit is
// open the call is refused at once (nothing sent, nothing spent: UPSTREAM_UNAVAILABLE with the quota given back),
// and every call's outcome (no answer or a 5xx / unreadable one is a failure; a business code is not) moves it.
#pragma once

#include <utility>

#include "usecase/app.hpp"

namespace nv::server {

// No answer, or one that cannot be believed: what opens a circuit. A vendor's own refusal (a code) does not.
inline bool vendor_failed(const UpstreamReply& reply, const VerifyOutcome& out) {
    return reply.transport != Transport::Ok || reply.status >= 500 || !out.answer_code;
}

template <class Call>
VendorResult call_vendor(App& app, Vendor& vendor, Call&& call) {
    if (!app.vendors.admit(vendor.id(), app.now_ms())) {
        VendorResult r;
        r.circuit_open = true;
        r.reply.transport = Transport::ConnectFailed;  // nothing was sent
        r.outcome.http_status = 503;
        r.outcome.reason = Reason::UPSTREAM_UNAVAILABLE;
        r.outcome.refund = true;
        r.outcome.retry_after_sec = (app.vendors.open_ms_left(vendor.id(), app.now_ms()) + 999) / 1000;
        return r;
    }
    VendorResult r = std::forward<Call>(call)();
    app.vendors.record(vendor.id(), vendor_failed(r.reply, r.outcome), app.now_ms());
    return r;
}

}  // namespace nv::server
