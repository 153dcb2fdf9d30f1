// Search folding (issue 5, XEP-0431 full-text search): the one function that turns text into
// what the archive indexes and what a query is matched with, on every backend.
#pragma once
#include <string>
#include <string_view>

namespace xmppd {

// ICU's transliterator "Any-Latin; Latin-ASCII; Lower": other scripts to Latin, Latin to
// ASCII, lower case. "Zażółć gęślą jaźń ŁÓDŹ" -> "zazolc gesla jazn lodz", "Straße" ->
// "strasse", "Привет" -> "privet". Never rely on a database's own folding: SQLite's unicode61
// keeps ł, and MariaDB collations fold differently. Invalid UTF-8 is replaced, never thrown.
// Thread-safe (each thread keeps its own transliterator: ICU's is not thread-safe, and
// creating one is expensive).
std::string fold_for_search(std::string_view utf8);

}  // namespace xmppd
