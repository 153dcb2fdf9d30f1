// Derived properties of PRECIS (RFC 8264 §8) and IDNA2008 (RFC 5892 §3), exposed for tests.
//
// The public entry points are the prepare_* functions in xmppd/jid.hpp; this header only lets
// tests and the precis_i18n oracle (test/tools/) look at the per-code-point classification that
// decides what those functions accept.
#pragma once
#include <string_view>

namespace xmppd::precis {

// RFC 8264 §8 reports ID_DIS for IdentifierClass and FREE_PVAL for FreeformClass on the same
// code points; they are one value here (free_pval) and the string class decides.
enum class Derived { pvalid, free_pval, contextj, contexto, disallowed, unassigned };

// RFC 8264 §8, computed from the ICU character database at run time.
Derived precis_property(char32_t cp);
// RFC 5892 §3 (IDNA2008), used to check U-labels after UTS #46 processing.
Derived idna2008_property(char32_t cp);

// The RFC spelling of a value ("PVALID", "FREE_PVAL", …), as precis_i18n prints it.
std::string_view derived_name(Derived d);

}  // namespace xmppd::precis
