// XEP-0115 §5.1 verification string: the 'ver' of entity capabilities, computed over a
// XEP-0030 disco#info result (identities, features and XEP-0128 extended forms).
#pragma once
#include <string>

#include "xmppd/element.hpp"

namespace xmppd::caps {

// The string S of XEP-0115 §5.1, before hashing (UTF-8).
std::string verification_input(const Element& disco_info_query);
// Base64 of the SHA-1 of S: the 'ver' to send with hash='sha-1'.
std::string verification_string(const Element& disco_info_query);

}  // namespace xmppd::caps
