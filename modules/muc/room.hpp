// One XEP-0045 room: configuration, affiliations, occupants with their roles, subject, and the
// privilege rules of §5 (who may change whose role or affiliation). No I/O here: MucHost
// turns stanzas into calls on a Room and the Room's answers into stanzas.
//
// States: a room is created locked by its first occupant (§10.1.1, only the owner may enter)
// and unlocked when the owner accepts the default or submits a configuration (§10.1.2-3).
// A temporary room ends when its last occupant leaves; a persistent one stays (and is stored).
// Rooms are small (the livechat day has ~1,000 of them with a handful of occupants each):
// occupants and affiliations are plain vectors searched linearly, cheaper than maps here.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "xmppd/element.hpp"
#include "xmppd/jid.hpp"
#include "xmppd/muc.hpp"
#include "xmppd/stanza_error.hpp"

namespace xmppd::muc {

inline constexpr char kMuc[] = "http://jabber.org/protocol/muc";
inline constexpr char kMucUser[] = "http://jabber.org/protocol/muc#user";
inline constexpr char kMucAdmin[] = "http://jabber.org/protocol/muc#admin";
inline constexpr char kMucOwner[] = "http://jabber.org/protocol/muc#owner";
inline constexpr char kRoomConfig[] = "http://jabber.org/protocol/muc#roomconfig";
inline constexpr char kRoomInfo[] = "http://jabber.org/protocol/muc#roominfo";
inline constexpr char kStanzaId[] = "urn:xmpp:sid:0";           // XEP-0359
inline constexpr char kMam[] = "urn:xmpp:mam:2";                // XEP-0313
inline constexpr char kDirectInvite[] = "jabber:x:conference";  // XEP-0249
inline constexpr char kSelfPing[] = "http://jabber.org/protocol/muc#self-ping-optimization";  // XEP-0410

struct Occupant {
  std::string nick;
  Jid bare;                            // the real bare JID
  std::vector<std::string> resources;  // its sessions in the room (XEP-0045 §7.2: one nick, several clients)
  MucRole role = MucRole::none;
  Element presence;                    // the last presence's payload (show, status, caps …)
};

class Room {
 public:
  Room(Jid jid, MucRoomConfig config) : jid_(std::move(jid)), config_(std::move(config)) {}

  const Jid& jid() const { return jid_; }
  const MucRoomConfig& config() const { return config_; }
  void set_config(MucRoomConfig c) { config_ = std::move(c); }
  bool locked() const { return locked_; }
  // A room a module created through MucRooms lives until that module destroys it, even empty.
  bool kept_by_service() const { return kept_by_service_; }
  void set_kept_by_service(bool k) { kept_by_service_ = k; }
  void set_locked(bool l) { locked_ = l; }
  // When this room (not an earlier one of the same name) was created, in microseconds since the
  // epoch; 0 for a room stored before this was kept. Its archive and history start there.
  std::int64_t created_us() const { return created_us_; }
  void set_created_us(std::int64_t t) { created_us_ = t; }
  const std::string& subject() const { return subject_; }
  const std::string& subject_nick() const { return subject_nick_; }
  void set_subject(std::string subject, std::string nick) {
    subject_ = std::move(subject);
    subject_nick_ = std::move(nick);
  }

  // Affiliations (§5.2) by real bare JID; "none" is not kept.
  MucAffiliation affiliation(const Jid& user) const;
  void set_affiliation(const Jid& user, MucAffiliation a);
  const std::vector<std::pair<std::string, MucAffiliation>>& affiliations() const { return affiliations_; }
  int owner_count() const;

  // Occupants (§5.1)
  std::vector<Occupant>& occupants() { return occupants_; }
  const std::vector<Occupant>& occupants() const { return occupants_; }
  Occupant* by_nick(std::string_view nick);
  Occupant* by_session(const Jid& full);  // the occupant one of whose sessions is `full`
  std::vector<Occupant*> by_user(const Jid& bare);
  void remove(const Occupant& o);
  bool empty() const { return occupants_.empty(); }

  // §5.1.2 / §7.2: the role an occupant gets from its affiliation.
  MucRole default_role(MucAffiliation a) const;
  // Whether `viewer` may see real JIDs (§7.2.3/§7.2.4: non-anonymous rooms, or moderators).
  bool sees_real_jids(const Occupant& viewer) const {
    return config_.non_anonymous || viewer.role == MucRole::moderator;
  }

  // Hidden occupants (MucRooms::set_hidden): the occupants of a hidden bare JID are seen only by
  // the room's staff, the occupants whose affiliation is admin or owner. Not stored: a restart
  // makes everyone visible again, so whoever hides someone hides them again before they rejoin.
  bool hidden(const Jid& user) const;
  void set_hidden(const Jid& user, bool hidden);
  bool has_hidden() const { return !hidden_.empty(); }
  // Whether `viewer` is told about `subject` (its presence, its messages, its nick in lists).
  bool sees(const Occupant& viewer, const Occupant& subject) const {
    return !has_hidden() || !hidden(subject.bare) || staff(viewer.bare);
  }
  // Admin or owner (XEP-0045 §5.2): those who see hidden occupants.
  bool staff(const Jid& user) const { return affiliation(user) >= MucAffiliation::admin; }

  // §8 (moderator use cases) and §9.6: may `actor` give `target` the role `role`? nullopt: yes.
  std::optional<StanzaError> check_role_change(const Occupant& actor, const Occupant& target, MucRole role) const;
  // §9 (admin) and §10 (owner): may an actor with affiliation `actor` (nullopt: the service
  // itself) give `target` the affiliation `a`? nullopt: yes.
  std::optional<StanzaError> check_affiliation_change(std::optional<MucAffiliation> actor, const Jid& target,
                                                      MucAffiliation a) const;

 private:
  Jid jid_;
  MucRoomConfig config_;
  bool locked_ = false;
  bool kept_by_service_ = false;
  std::int64_t created_us_ = 0;
  std::string subject_, subject_nick_;
  std::vector<std::pair<std::string, MucAffiliation>> affiliations_;
  std::vector<Occupant> occupants_;
  std::vector<std::string> hidden_;  // bare JIDs
};

// The room's archive period in the configuration form: a field of our own in the registered
// muc#roomconfig form, in Clark notation (XEP-0068 §3.4, §4.2). Its values: "default" (the host's
// period) or a duration as the configuration file writes it ("30d", "12h", "90s").
inline constexpr char kArchivePeriodField[] = "{urn:xmppd:muc:0}archive_expires_after";
inline constexpr char kArchivePeriodDefault[] = "default";

// The muc#roomconfig data form (§10.2, §15.5.3) and its submission. With `retention` (the host
// has a room archive) the form has the archive period; without it the field is ignored.
Element config_form(const Room& room, const RoomRetention* retention = nullptr);
// Applies a submitted form to `config`; an error for a value out of range or malformed, or a
// period longer than the host allows.
std::optional<StanzaError> apply_config_form(const Element& x, MucRoomConfig& config, std::uint32_t history_max,
                                             const RoomRetention* retention = nullptr);
// A period as the form writes it, in its largest whole unit: "30d", "12h", "5m", "90s".
std::string period_text(std::chrono::seconds period);
// The configuration as stored (JSON), and back (unknown or missing keys keep defaults).
std::string config_to_json(const MucRoomConfig& c);
MucRoomConfig config_from_json(const std::string& text, MucRoomConfig defaults);
// The stored JSON also carries the room's creation time (key "created_us"; 0 when absent).
std::string room_json(const MucRoomConfig& c, std::int64_t created_us);
std::int64_t created_from_json(const std::string& text);

}  // namespace xmppd::muc
