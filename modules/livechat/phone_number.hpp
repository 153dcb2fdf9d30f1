// Phone numbers of callback requests (issue 6): validated and normalised with libphonenumber.
#pragma once
#include <optional>
#include <string>

namespace xmppd::livechat {

// The number in E.164 ("+48221234567") when `text` is a valid number, read with `region` as the
// default country for numbers written without one; none otherwise.
std::optional<std::string> to_e164(const std::string& text, const std::string& region = "PL");

}  // namespace xmppd::livechat
