// XEP-0313 §4 queries: the urn:xmpp:mam:2 form (§4.1, XEP-0431 full text) and XEP-0059 RSM
// read into an ArchiveQuery; archived records written back as results (§4.2) and <fin/> (§4.3).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "xmppd/archive.hpp"
#include "xmppd/mam_wire.hpp"
#include "xmppd/element.hpp"
#include "xmppd/stanza_error.hpp"

namespace xmppd::mam {

inline constexpr const char* kMam = ns::kMam;
inline constexpr char kMamExtended[] = "urn:xmpp:mam:2#extended";  // before-id, after-id, ids
inline constexpr const char* kRsm = ns::kRsm;
inline constexpr char kFulltext[] = "urn:xmpp:fulltext:0";          // XEP-0431
inline constexpr char kFulltextField[] = "{urn:xmpp:fulltext:0}fulltext";
inline constexpr char kStanzaId[] = "urn:xmpp:sid:0";               // XEP-0359

// The form a client fills in (XEP-0313 §5.1 form discovery, with XEP-0431's field).
Element query_form();

// Reads <query/> into a query on `owner`'s archive; a StanzaError (bad-request, item-not-found)
// when a field or the RSM set is not acceptable. `max_page` bounds <max/>.
std::variant<ArchiveQuery, StanzaError> read_query(const Element& query, const std::string& owner,
                                                   std::size_t max_page);


}  // namespace xmppd::mam
