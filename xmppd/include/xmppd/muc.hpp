// XEP-0045 Multi-User Chat as other modules see it: the rooms API a module looks up with
// Server::service<MucRooms>(room_host) (the livechat service drives its conversations through
// it without sending itself stanzas), and RoomHistory, the store of a room's messages that the
// MUC module sends on join (XEP-0045 §7.2.15) and that gives every groupchat message its
// XEP-0359 stanza id. The MUC module keeps history in memory unless a module on the room host
// provides a RoomHistory (the message archive, XEP-0313, does).
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "xmppd/awaitable.hpp"
#include "xmppd/element.hpp"
#include "xmppd/iq.hpp"
#include "xmppd/jid.hpp"

namespace xmppd {

// XEP-0045 §5.2, ordered by privilege.
enum class MucAffiliation : std::uint8_t { outcast, none, member, admin, owner };
// XEP-0045 §5.1, ordered by privilege.
enum class MucRole : std::uint8_t { none, visitor, participant, moderator };

inline const char* to_string(MucAffiliation a) {
  constexpr const char* names[] = {"outcast", "none", "member", "admin", "owner"};
  return names[static_cast<int>(a)];
}
inline const char* to_string(MucRole r) {
  constexpr const char* names[] = {"none", "visitor", "participant", "moderator"};
  return names[static_cast<int>(r)];
}
inline std::optional<MucAffiliation> muc_affiliation_from(std::string_view s) {
  for (int i = 0; i <= static_cast<int>(MucAffiliation::owner); ++i)
    if (s == to_string(static_cast<MucAffiliation>(i))) return static_cast<MucAffiliation>(i);
  return std::nullopt;
}
inline std::optional<MucRole> muc_role_from(std::string_view s) {
  for (int i = 0; i <= static_cast<int>(MucRole::moderator); ++i)
    if (s == to_string(static_cast<MucRole>(i))) return static_cast<MucRole>(i);
  return std::nullopt;
}

// Who may send private messages (muc#roomconfig_allowpm).
enum class MucPmPolicy : std::uint8_t { anyone, participants, moderators, none };

// A room's configuration: the muc#roomconfig form (XEP-0045 §10.2, §15.5.3).
struct MucRoomConfig {
  std::string name;                // muc#roomconfig_roomname
  std::string description;         // muc#roomconfig_roomdesc
  bool persistent = false;         // muc#roomconfig_persistentroom
  bool public_room = true;         // muc#roomconfig_publicroom (false: hidden)
  bool members_only = false;       // muc#roomconfig_membersonly
  bool moderated = false;          // muc#roomconfig_moderatedroom
  bool non_anonymous = false;      // muc#roomconfig_whois = anyone (false: moderators)
  bool password_protected = false; // muc#roomconfig_passwordprotectedroom
  std::string password;            // muc#roomconfig_roomsecret
  bool change_subject = false;     // muc#roomconfig_changesubject (occupants may)
  bool allow_invites = false;      // muc#roomconfig_allowinvites (members-only rooms)
  bool logging = false;            // muc#roomconfig_enablelogging (XEP-0045 status 170)
  MucPmPolicy allow_pm = MucPmPolicy::anyone;  // muc#roomconfig_allowpm
  std::uint32_t max_users = 0;     // muc#roomconfig_maxusers; 0: no limit
  // History sent on join at most (muc#maxhistoryfetch); capped by the module's history_max.
  std::uint32_t history_fetch = 20;
  // How long the archive keeps the room's messages ({urn:xmppd:muc:0}archive_expires_after, a
  // field of our own in a registered form, named as XEP-0068 §3.4/§4.2 says): nullopt is the
  // host's period (the mam module's archive_expires_after); a room's own is at most
  // RoomRetention::max_period.
  std::optional<std::chrono::seconds> archive_period;
  friend bool operator==(const MucRoomConfig&, const MucRoomConfig&) = default;
};

// One message a room keeps for history and archive.
struct RoomMessage {
  std::string stanza_id;  // XEP-0359, unique in the room
  std::int64_t stamp_us = 0;
  std::string nick;       // the sender's nick ("" for the room itself)
  std::string real_jid;   // the sender's bare JID ("" for the room itself)
  std::string xml;        // the <message/> as broadcast (from = room/nick, no 'to')
};

// What a joining client asked for (XEP-0045 §7.2.15); unset: no limit from the client.
struct HistoryRequest {
  std::optional<std::uint64_t> max_chars, max_stanzas;
  std::optional<std::int64_t> since_us;  // 'seconds' is turned into 'since' by the caller
  std::uint32_t room_limit = 0;          // the room's muc#maxhistoryfetch
};

class RoomHistory {
 public:
  virtual ~RoomHistory() = default;
  // The XEP-0359 id of a message about to be broadcast to `room` (assigned before fan-out).
  virtual std::string assign_id(const Jid& room) = 0;
  // Keeps `message` (never blocks the caller; a durable store queues the write).
  virtual void append(const Jid& room, RoomMessage message) = 0;
  // The newest messages within `request`, oldest first.
  virtual Task<std::vector<RoomMessage>> recent(Jid room, HistoryRequest request) = 0;
  // The room was destroyed.
  virtual void forget(const Jid& room) = 0;
};

// XEP-0313 queries on a room's archive (§4 addressed to the room's bare JID), provided next to
// RoomHistory by the message archive module on the room host. The MUC module applies the
// room's rules first (who may read, who may see real JIDs) and hands the query over with them.
struct RoomArchiveAccess {
  // The sender's real JID (<x xmlns='…muc#user'><item jid/></x>) is shown: moderators, or
  // everyone in a non-anonymous room (XEP-0045 §7.2.3/§7.2.4; XEP-0313 §5.1.2 MUC archives).
  bool real_jids = false;
  // Nothing archived before this time (microseconds; archive ids are times): a room of the
  // same name that was destroyed earlier is not this room.
  std::int64_t since_us = 0;
};

// Retention of the rooms' archives on a host (issue 5, per-room archive periods): a room may keep
// its messages for a period of its own instead of the host's, shorter (privacy by default) or
// longer up to the operator's bound.
struct RoomRetention {
  std::chrono::seconds host_period{0};  // a room without its own period
  std::chrono::seconds max_period{0};   // the longest a room may choose
};

// A room's own period as the archive keeps it: for the room's records from its creation on (an
// earlier room of the same name had its own), until the room ends; they keep it after that.
struct RoomPeriod {
  Jid room;
  std::int64_t created_us = 0;
  std::optional<std::chrono::seconds> period;  // nullopt: the host's
};

class RoomArchive {
 public:
  virtual ~RoomArchive() = default;
  virtual RoomRetention retention() const = 0;
  // The room's period from now on (longer than max_period counts as max_period).
  virtual void set_period(const RoomPeriod& room) = 0;
  // The room was destroyed (or, temporary, ended with its last occupant).
  virtual void room_ended(const RoomPeriod& room) = 0;
  // At start, once the stored rooms are loaded: every room there is; the periods of rooms that
  // did not survive the restart (temporary ones) end.
  virtual void rooms_loaded(const std::vector<RoomPeriod>& rooms) = 0;
  // Answers <query xmlns='urn:xmpp:mam:2'/> from `asker` (get: the form, §5.1; set: the
  // results as messages to `asker`, then the IQ result with <fin/>).
  virtual Task<IqResult> query(Jid room, Jid asker, Element query, bool set, RoomArchiveAccess access) = 0;
  // What an archived room adds to its disco#info (XEP-0313 §7).
  virtual std::vector<std::string> features() const = 0;
};

// A groupchat message about to be broadcast: an observer may take it (e.g. a consultant's
// "!note" command, which is never relayed to the visitor).
struct MucGroupchat {
  const Jid& room;
  const std::string& nick;
  const Jid& real_jid;  // the sender's full JID
  const Element& message;
};

class MucRooms {
 public:
  virtual ~MucRooms() = default;
  // Creates an unlocked room (XEP-0045 §10.1) with `config`; false when it exists.
  virtual bool create_room(const Jid& room, const MucRoomConfig& config) = 0;
  virtual bool configure_room(const Jid& room, const MucRoomConfig& config) = 0;
  virtual std::optional<MucRoomConfig> room_config(const Jid& room) = 0;
  // XEP-0045 §9/§10 by the service: occupants concerned get their new affiliation and role.
  virtual bool set_affiliation(const Jid& room, const Jid& user, MucAffiliation affiliation,
                               std::string reason = {}) = 0;
  // Joins `user` (a full JID of a local session) as `nick`, as if it had sent presence; the user
  // gets the occupants, history and subject. False when the room does not exist, the nick is
  // taken by someone else, or the user is banned.
  virtual bool add_occupant(const Jid& room, const Jid& user, const std::string& nick) = 0;
  // Removes `user` (full JID; a bare JID removes every session of it) as a kick does
  // (status 307, XEP-0045 §8.2); false when it was not in the room.
  virtual bool remove_occupant(const Jid& room, const Jid& user, std::string reason = {}) = 0;
  // Broadcasts a groupchat message with `body` from the room itself (nick empty) or from an
  // occupant's nick; returns its stanza id, nothing when the room or nick does not exist.
  virtual std::optional<std::string> send_message(const Jid& room, const std::string& nick,
                                                  const std::string& body) = 0;
  // XEP-0045 §10.9: occupants get the destroy notice; the room and its affiliations are gone.
  virtual bool destroy_room(const Jid& room, std::string reason = {}, std::string alternate = {}) = 0;
  // Sends `user` a XEP-0249 direct invitation from the room; false when there is no room.
  virtual bool invite(const Jid& room, const Jid& user, std::string reason = {}) = 0;
  // Occupants' nicks and real full JIDs.
  virtual std::vector<std::pair<std::string, Jid>> occupants(const Jid& room) = 0;
  // Called for each groupchat message before it is broadcast; return true to take it (not
  // broadcast, not kept). One observer per host; an empty function removes it.
  virtual void set_groupchat_observer(std::function<bool(const MucGroupchat&)> observer) = 0;
  // The affiliation `user` (bare) has in `room`; nothing when there is no such room.
  virtual std::optional<MucAffiliation> affiliation(const Jid& room, const Jid& user) = 0;
  // Hides (or shows again) the occupants of `user` (a bare JID) from everyone in `room` but its
  // staff (affiliation admin or owner): their presence (join, changes, leave), their groupchat
  // messages and their nick (disco#items, the occupant count) reach staff only, and their
  // messages are not kept in the room's history, which non-staff occupants get on join. Used by
  // the livechat service for a supervisor's silent join (issue 6). In memory only: after a
  // restart the caller hides the user again before it rejoins. False when there is no room.
  virtual bool set_hidden(const Jid& room, const Jid& user, bool hidden) = 0;
  // True once the persistent rooms of the host are loaded from storage (they load in the
  // background at start): until then room_config() says nothing about a stored room.
  virtual bool rooms_loaded() const { return true; }
  // More features in a room's disco#info (XEP-0045 §6.4) for one asker, e.g. the XEP-0050
  // commands (`http://jabber.org/protocol/commands`) the service owning the host's rooms offers
  // that asker there. One provider per host; an empty function removes it.
  using RoomFeatures = std::function<std::vector<std::string>(const Jid& room, const Jid& asker)>;
  virtual void set_room_features(RoomFeatures features) { (void)features; }
};

}  // namespace xmppd
