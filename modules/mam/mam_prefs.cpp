// XEP-0313 §6 archiving preferences.
#include "mam_prefs.hpp"

#include <algorithm>

#include "mam_query.hpp"

namespace xmppd::mam {
namespace {

bool read_list(const Element* list, std::vector<std::string>& out) {
  if (!list) return true;
  for (const Element* j : list->elements("jid", kMam)) {
    auto jid = Jid::parse(j->text());
    if (!jid) return false;
    out.push_back(jid->str());
  }
  return true;
}

bool listed(const std::vector<std::string>& list, const Jid& with) {
  return std::any_of(list.begin(), list.end(),
                     [&](const std::string& j) { return j == with.bare_str() || j == with.str(); });
}

}  // namespace

std::optional<DefaultMode> mode_from_string(std::string_view s) {
  if (s == "always") return DefaultMode::always;
  if (s == "never") return DefaultMode::never;
  if (s == "roster") return DefaultMode::roster;
  return std::nullopt;
}

std::optional<Prefs> read_prefs(const Element& prefs) {
  Prefs p;
  auto mode = mode_from_string(prefs.attr("default"));
  if (!mode) return std::nullopt;
  p.mode = *mode;
  if (!read_list(prefs.child("always", kMam), p.always) || !read_list(prefs.child("never", kMam), p.never))
    return std::nullopt;
  return p;
}

Element prefs_element(const Prefs& prefs) {
  Element e("prefs", kMam);
  e.set_attr("default", prefs.mode == DefaultMode::always ? "always"
                        : prefs.mode == DefaultMode::never ? "never"
                                                           : "roster");
  // §6.1: both lists are always present in a result, possibly empty.
  Element& always = e.add_child("always", kMam);
  for (const auto& j : prefs.always) always.add_child("jid", kMam).add_text(j);
  Element& never = e.add_child("never", kMam);
  for (const auto& j : prefs.never) never.add_child("jid", kMam).add_text(j);
  return e;
}

Decision decide(const Prefs& prefs, const Jid& with) {
  if (listed(prefs.never, with)) return Decision::skip;
  if (listed(prefs.always, with)) return Decision::archive;
  switch (prefs.mode) {
    case DefaultMode::always: return Decision::archive;
    case DefaultMode::never: return Decision::skip;
    case DefaultMode::roster: return Decision::when_in_roster;
  }
  return Decision::archive;
}

}  // namespace xmppd::mam
