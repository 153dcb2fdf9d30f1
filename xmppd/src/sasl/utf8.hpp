// UTF-8 well-formedness as RFC 3629 §4 defines it, for the SASL mechanisms' text fields.
#pragma once
#include <string_view>

namespace xmppd::sasl::detail {

// False for overlong forms, surrogates, code points above U+10FFFF and truncated sequences:
// all of them can smuggle characters past checks done on the decoded text.
bool valid_utf8(std::string_view text);

}  // namespace xmppd::sasl::detail
