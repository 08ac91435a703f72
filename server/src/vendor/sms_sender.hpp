// Sends the SMS fallback's one-time codes. The sandbox delivers them to the simulated device's inbox; a
// production deployment plugs in its SMS gateway here. Without one, /api/v1/sms/send answers 503
// SMS_UNAVAILABLE (a page then offers whatever else it has).
#pragma once

#include <string>

namespace nv::server {

class SmsSender {
public:
    virtual ~SmsSender() = default;
    // `national` is the 11-digit number. Returns false when the message could not be handed over.
    virtual bool send(const std::string& national, const std::string& text, const std::string& code) = 0;
};

class NoSmsSender final : public SmsSender {
public:
    bool send(const std::string&, const std::string&, const std::string&) override { return false; }
};

}  // namespace nv::server
