// The muc#roomconfig form (XEP-0045 §10.2, field registry §15.5.3; XEP-0004 data forms; the room
// archive's period as a field of our own, XEP-0068) and the stored form of a room's configuration
// (JSON, nlohmann-json).
#include <algorithm>
#include <charconv>
#include <vector>

#include <nlohmann/json.hpp>

#include "room.hpp"
#include "xmppd/namespaces.hpp"
#include "xmppd/options.hpp"

namespace xmppd::muc {
namespace {

constexpr char kWhois[] = "muc#roomconfig_whois";
constexpr char kAllowPm[] = "muc#roomconfig_allowpm";
constexpr const char* kPmNames[] = {"anyone", "participants", "moderators", "none"};

Element& field(Element& x, const char* var, const char* type, const char* label) {
  Element& f = x.add_child("field", ns::kDataForms);
  f.set_attr("var", var).set_attr("type", type).set_attr("label", label);
  return f;
}

void value(Element& f, std::string v) { f.add_child("value", ns::kDataForms).add_text(std::move(v)); }

void option(Element& f, const char* label, const char* v) {
  Element& o = f.add_child("option", ns::kDataForms);
  o.set_attr("label", label);
  value(o, v);
}

void boolean(Element& x, const char* var, const char* label, bool v) {
  value(field(x, var, "boolean", label), v ? "1" : "0");
}

// XEP-0004 §3.3: "1"/"true" and "0"/"false".
std::optional<bool> parse_bool(const std::string& v) {
  if (v == "1" || v == "true") return true;
  if (v == "0" || v == "false") return false;
  return std::nullopt;
}

std::optional<std::uint32_t> parse_uint(const std::string& v) {
  std::uint32_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size()) return std::nullopt;
  return n;
}

// "1 day", "7 days", "12 hours", "90 seconds": an option's label.
std::string period_label(std::chrono::seconds period) {
  struct Unit {
    std::int64_t seconds;
    const char* one;
    const char* many;
  };
  constexpr Unit kUnits[] = {{86400, "day", "days"}, {3600, "hour", "hours"}, {60, "minute", "minutes"},
                             {1, "second", "seconds"}};
  std::int64_t s = period.count();
  for (const Unit& u : kUnits)
    if (s % u.seconds == 0 || u.seconds == 1)
      return std::to_string(s / u.seconds) + " " + (s / u.seconds == 1 ? u.one : u.many);
  return {};
}

// The room archive's period: the host's default, then the usual periods up to the operator's
// bound, the bound itself and the room's own (a client shows a list-single as a choice).
void archive_period_field(Element& x, const MucRoomConfig& c, const RoomRetention& r) {
  using std::chrono::seconds;
  Element& f = field(x, kArchivePeriodField, "list-single", "How long the archive keeps this room's messages");
  Element& d = f.add_child("option", ns::kDataForms);
  d.set_attr("label", "The service's default (" + period_label(r.host_period) + ")");
  value(d, kArchivePeriodDefault);
  std::vector<seconds> choices;
  constexpr std::int64_t kDays[] = {1, 7, 30, 90, 180, 365, 730, 1825, 3650};
  for (std::int64_t days : kDays)
    if (seconds(days * 86400) <= r.max_period) choices.push_back(seconds(days * 86400));
  choices.push_back(r.max_period);
  if (c.archive_period) choices.push_back(*c.archive_period);
  std::sort(choices.begin(), choices.end());
  choices.erase(std::unique(choices.begin(), choices.end()), choices.end());
  for (seconds p : choices) {
    if (p.count() <= 0) continue;
    Element& o = f.add_child("option", ns::kDataForms);
    o.set_attr("label", period_label(p));
    value(o, period_text(p));
  }
  value(f, c.archive_period ? period_text(*c.archive_period) : std::string(kArchivePeriodDefault));
}

// A submitted period: "default", or a duration of at least a second up to the bound. XEP-0045
// §10.2: a value the service cannot use, or one beyond its policy, is not-acceptable.
std::optional<StanzaError> read_archive_period(const std::string& v, const RoomRetention& r,
                                               std::optional<std::chrono::seconds>& out) {
  if (v == kArchivePeriodDefault || v.empty()) {
    out.reset();
    return std::nullopt;
  }
  std::chrono::milliseconds ms{};
  if (!parse_duration(v, ms) || ms < std::chrono::seconds(1))
    return StanzaError::not_acceptable("archive_expires_after: \"default\" or a duration such as \"30d\"");
  auto period = std::chrono::duration_cast<std::chrono::seconds>(ms);
  if (period > r.max_period)
    return StanzaError::not_acceptable("archive_expires_after: at most " + period_text(r.max_period) +
                                       " on this service");
  out = period;
  return std::nullopt;
}

}  // namespace

std::string period_text(std::chrono::seconds period) {
  std::int64_t s = period.count();
  if (s > 0 && s % 86400 == 0) return std::to_string(s / 86400) + "d";
  if (s > 0 && s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s > 0 && s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

Element config_form(const Room& room, const RoomRetention* retention) {
  const MucRoomConfig& c = room.config();
  Element x("x", ns::kDataForms);
  x.set_attr("type", "form");
  x.add_child("title", ns::kDataForms).add_text("Configuration of " + room.jid().bare_str());
  Element& type = x.add_child("field", ns::kDataForms);
  type.set_attr("var", "FORM_TYPE").set_attr("type", "hidden");
  value(type, kRoomConfig);
  value(field(x, "muc#roomconfig_roomname", "text-single", "Name"), c.name);
  value(field(x, "muc#roomconfig_roomdesc", "text-single", "Description"), c.description);
  boolean(x, "muc#roomconfig_persistentroom", "Persistent", c.persistent);
  boolean(x, "muc#roomconfig_publicroom", "Listed in the directory", c.public_room);
  boolean(x, "muc#roomconfig_membersonly", "Members only", c.members_only);
  boolean(x, "muc#roomconfig_moderatedroom", "Moderated", c.moderated);
  Element& whois = field(x, kWhois, "list-single", "Who may see real addresses");
  option(whois, "Moderators", "moderators");
  option(whois, "Anyone", "anyone");
  value(whois, c.non_anonymous ? "anyone" : "moderators");
  boolean(x, "muc#roomconfig_passwordprotectedroom", "Password protected", c.password_protected);
  value(field(x, "muc#roomconfig_roomsecret", "text-private", "Password"), c.password);
  boolean(x, "muc#roomconfig_changesubject", "Occupants may change the subject", c.change_subject);
  boolean(x, "muc#roomconfig_allowinvites", "Occupants may invite", c.allow_invites);
  boolean(x, "muc#roomconfig_enablelogging", "Messages are archived", c.logging);
  Element& pm = field(x, kAllowPm, "list-single", "Who may send private messages");
  option(pm, "Anyone", "anyone");
  option(pm, "Participants", "participants");
  option(pm, "Moderators", "moderators");
  option(pm, "Nobody", "none");
  value(pm, kPmNames[static_cast<int>(c.allow_pm)]);
  value(field(x, "muc#roomconfig_maxusers", "text-single", "Most occupants (0: no limit)"),
        std::to_string(c.max_users));
  value(field(x, "muc#maxhistoryfetch", "text-single", "Messages of history sent on join"),
        std::to_string(c.history_fetch));
  if (retention) archive_period_field(x, c, *retention);
  return x;
}

std::optional<StanzaError> apply_config_form(const Element& x, MucRoomConfig& c, std::uint32_t history_max,
                                             const RoomRetention* retention) {
  MucRoomConfig next = c;
  for (const Element* f : x.elements("field", ns::kDataForms)) {
    std::string var(f->attr("var"));
    std::string v = f->child_text("value", ns::kDataForms);
    auto flag = [&](bool& out) -> bool {
      auto b = parse_bool(v);
      if (b) out = *b;
      return b.has_value();
    };
    bool ok = true;
    if (var == "FORM_TYPE") ok = v == kRoomConfig;
    else if (var == "muc#roomconfig_roomname") next.name = v;
    else if (var == "muc#roomconfig_roomdesc") next.description = v;
    else if (var == "muc#roomconfig_persistentroom") ok = flag(next.persistent);
    else if (var == "muc#roomconfig_publicroom") ok = flag(next.public_room);
    else if (var == "muc#roomconfig_membersonly") ok = flag(next.members_only);
    else if (var == "muc#roomconfig_moderatedroom") ok = flag(next.moderated);
    else if (var == "muc#roomconfig_passwordprotectedroom") ok = flag(next.password_protected);
    else if (var == "muc#roomconfig_roomsecret") next.password = v;
    else if (var == "muc#roomconfig_changesubject") ok = flag(next.change_subject);
    else if (var == "muc#roomconfig_allowinvites") ok = flag(next.allow_invites);
    else if (var == "muc#roomconfig_enablelogging") ok = flag(next.logging);
    else if (var == kWhois) {
      ok = v == "anyone" || v == "moderators";
      next.non_anonymous = v == "anyone";
    } else if (var == kAllowPm) {
      ok = false;
      for (int i = 0; i < 4; ++i)
        if (v == kPmNames[i]) next.allow_pm = static_cast<MucPmPolicy>(i), ok = true;
    } else if (var == "muc#roomconfig_maxusers") {
      auto n = v == "none" ? std::optional<std::uint32_t>(0) : parse_uint(v);
      if (n) next.max_users = *n;
      ok = n.has_value();
    } else if (var == "muc#maxhistoryfetch") {
      auto n = parse_uint(v);
      if (n) next.history_fetch = std::min(*n, history_max);
      ok = n.has_value();
    } else if (var == kArchivePeriodField && retention) {
      if (auto error = read_archive_period(v, *retention, next.archive_period)) return error;
    }
    // Other fields (a client's or a newer XEP's) are ignored, as XEP-0004 §3.2 allows.
    if (!ok) return StanzaError::not_acceptable(var);
  }
  // §10.2: a password-protected room needs a password.
  if (next.password_protected && next.password.empty()) return StanzaError::not_acceptable("muc#roomconfig_roomsecret");
  c = std::move(next);
  return std::nullopt;
}

std::string config_to_json(const MucRoomConfig& c) {
  nlohmann::json j = {{"name", c.name},
                      {"description", c.description},
                      {"persistent", c.persistent},
                      {"public", c.public_room},
                      {"members_only", c.members_only},
                      {"moderated", c.moderated},
                      {"non_anonymous", c.non_anonymous},
                      {"password_protected", c.password_protected},
                      {"password", c.password},
                      {"change_subject", c.change_subject},
                      {"allow_invites", c.allow_invites},
                      {"logging", c.logging},
                      {"allow_pm", kPmNames[static_cast<int>(c.allow_pm)]},
                      {"max_users", c.max_users},
                      {"history_fetch", c.history_fetch}};
  if (c.archive_period) j["archive_period_s"] = c.archive_period->count();
  return j.dump();
}

std::string room_json(const MucRoomConfig& c, std::int64_t created_us) {
  auto j = nlohmann::json::parse(config_to_json(c));
  j["created_us"] = created_us;
  return j.dump();
}

std::int64_t created_from_json(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return 0;
  auto it = j.find("created_us");
  return it != j.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

MucRoomConfig config_from_json(const std::string& text, MucRoomConfig c) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return c;
  auto get = [&](const char* key, auto& out) {
    auto it = j.find(key);
    if (it == j.end()) return;
    try {
      it->get_to(out);
    } catch (const nlohmann::json::exception&) {
      // A value of another type keeps the default.
    }
  };
  get("name", c.name);
  get("description", c.description);
  get("persistent", c.persistent);
  get("public", c.public_room);
  get("members_only", c.members_only);
  get("moderated", c.moderated);
  get("non_anonymous", c.non_anonymous);
  get("password_protected", c.password_protected);
  get("password", c.password);
  get("change_subject", c.change_subject);
  get("allow_invites", c.allow_invites);
  get("logging", c.logging);
  std::string pm;
  get("allow_pm", pm);
  for (int i = 0; i < 4; ++i)
    if (pm == kPmNames[i]) c.allow_pm = static_cast<MucPmPolicy>(i);
  get("max_users", c.max_users);
  get("history_fetch", c.history_fetch);
  std::int64_t period = 0;
  get("archive_period_s", period);
  if (period > 0) c.archive_period = std::chrono::seconds(period);
  return c;
}

}  // namespace xmppd::muc
