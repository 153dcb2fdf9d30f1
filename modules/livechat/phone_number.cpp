// Phone number validation with libphonenumber (see phone_number.hpp).
#include "phone_number.hpp"

#include <phonenumbers/phonenumberutil.h>

namespace xmppd::livechat {

std::optional<std::string> to_e164(const std::string& text, const std::string& region) {
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  if (text.empty() || text.size() > 64) return std::nullopt;
  const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  if (util->Parse(text, region, &number) != PhoneNumberUtil::NO_PARSING_ERROR) return std::nullopt;
  if (!util->IsValidNumber(number)) return std::nullopt;
  std::string out;
  util->Format(number, PhoneNumberUtil::E164, &out);
  return out;
}

}  // namespace xmppd::livechat
