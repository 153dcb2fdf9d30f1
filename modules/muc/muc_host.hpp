// The XEP-0045 service of one host: rooms by name, the stanzas clients send to rooms and
// occupants, and the MucRooms API other modules drive rooms with.
//
// Who calls what: the module's incoming hooks on the room host hand every presence, message
// and IQ addressed to room@host or room@host/nick to on_presence/on_message/on_iq (they all
// stop the chain: nothing addressed to a room reaches the core's account rules). Rooms that
// are persistent are loaded at start; stanzas arriving before the load ends wait for it. Every
// change to a persistent room is written through Storage::muc() (the write is queued; the
// in-memory room is the truth while the server runs).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "memory_history.hpp"
#include "room.hpp"
#include "xmppd/events.hpp"
#include "xmppd/iq.hpp"
#include "xmppd/muc.hpp"
#include "xmppd/server.hpp"

namespace xmppd::muc {

struct MucSettings {
  std::string host;
  MucRoomConfig defaults;
  std::uint32_t history_max = 100;
  bool anonymous_may_create = false;
  std::vector<std::string> creators;  // bare JIDs or domains allowed to create rooms; empty: any account
};

class MucHost final : public MucRooms {
 public:
  MucHost(Server& server, MucSettings settings);
  ~MucHost() override;

  // Loads persistent rooms; stanzas received meanwhile are handled after.
  void start();
  Flow on_presence(StanzaEvent& ev);
  Flow on_message(StanzaEvent& ev);
  Flow on_iq(StanzaEvent& ev);
  // disco#items of the service (§6.3): the public rooms. Flow::next for other host IQs.
  Flow on_host_iq(StanzaEvent& ev);

  // MucRooms
  bool create_room(const Jid& room, const MucRoomConfig& config) override;
  bool configure_room(const Jid& room, const MucRoomConfig& config) override;
  std::optional<MucRoomConfig> room_config(const Jid& room) override;
  bool set_affiliation(const Jid& room, const Jid& user, MucAffiliation affiliation, std::string reason) override;
  bool add_occupant(const Jid& room, const Jid& user, const std::string& nick) override;
  bool remove_occupant(const Jid& room, const Jid& user, std::string reason) override;
  std::optional<std::string> send_message(const Jid& room, const std::string& nick, const std::string& body) override;
  bool destroy_room(const Jid& room, std::string reason, std::string alternate) override;
  std::vector<std::pair<std::string, Jid>> occupants(const Jid& room) override;
  bool invite(const Jid& room, const Jid& user, std::string reason) override;
  bool rooms_loaded() const override { return loaded_; }
  std::optional<MucAffiliation> affiliation(const Jid& room, const Jid& user) override;
  bool set_hidden(const Jid& room, const Jid& user, bool hidden) override;
  void set_groupchat_observer(std::function<bool(const MucGroupchat&)> observer) override {
    observer_ = std::move(observer);
  }
  void set_room_features(RoomFeatures features) override { room_features_ = std::move(features); }

  Room* find(const std::string& name);
  std::size_t room_count() const { return rooms_.size(); }

 private:
  struct JoinOptions {
    bool check_password = true, check_membership = true;
    const Element* history = nullptr;  // the client's <history/>
    bool nick_prepared = false;         // the nick asked for was not in its prepared form
  };

  Task<void> load();
  bool held_until_loaded(const StanzaEvent& ev);
  // What the room sent `user` while its join history is read, or null when it is not joining.
  std::vector<Element>* joining(std::string_view room_bare, const Jid& user);
  void send_history(const Jid& room_jid, const Jid& user, const Room& room, const std::vector<RoomMessage>& messages,
                    const std::set<std::string>& skip);
  // Where a room's history and stanza ids come from: the archive a module on the host provides
  // (XEP-0313) when the room is logged (muc#roomconfig_enablelogging, status 170), else memory.
  RoomHistory* archive_history();
  RoomHistory& history_for(const Room& room);
  void forget_history(const Room& room);
  // The room archive's retention (issue 5, per-room archive periods), when the host has one.
  RoomArchive* room_archive();
  std::optional<RoomRetention> retention();
  // A room's own period within the operator's bound (a lower bound since it was chosen: capped).
  MucRoomConfig bound_period(MucRoomConfig config);
  static RoomPeriod period_of(const Room& room) {
    return {room.jid(), room.created_us(), room.config().archive_period};
  }

  // Presence (§7.2 join, §7.6 nick change, §7.7 status change, §7.14 leave)
  std::optional<StanzaError> join(Room& room, const Jid& user, const std::string& nick, const Element& presence,
                                  bool created, const JoinOptions& options);
  void change_nick(Room& room, Occupant& occ, const std::string& nick);
  void leave(Room& room, const Jid& user, const Element& presence);
  Task<void> send_history_and_subject(Jid room, Jid user, HistoryRequest request);

  // Messages (§7.4, §7.5, §7.8, §8.1)
  void groupchat(Room& room, Occupant& occ, const Jid& sender, const Element& stanza);
  std::string broadcast_message(Room& room, Element message, const std::string& nick, const Jid& real);
  void private_message(Room& room, const Jid& sender, const std::string& nick, const Element& stanza);
  void invitations(Room& room, const Jid& sender, const Element& stanza, const Element& x);

  // IQs (§9, §10)
  IqResult room_iq(Room& room, const Jid& from, const Element& stanza, const Element& payload);
  // XEP-0313 queries to the room (§4), answered by the RoomArchive on the host.
  void archive_query(Room& room, const Jid& from, const Element& stanza, const Element& query);
  std::optional<StanzaError> archive_access(Room& room, const Jid& from, RoomArchiveAccess& access);
  Task<void> answer_archive_query(Element iq, Jid room, Jid from, RoomArchiveAccess access);
  IqResult admin_get(Room& room, const Jid& from, const Element& query);
  IqResult admin_set(Room& room, const Jid& from, const Element& query);
  IqResult owner_iq(Room& room, const Jid& from, const Element& stanza, const Element& query);
  Element room_info(const Room& room, const Jid& asker);

  // Changes shared by the IQs and the API
  void apply_affiliation(Room& room, const Jid& user, MucAffiliation a, const std::string& actor_nick,
                         const std::string& reason);
  void apply_role(Room& room, Occupant& target, MucRole role, const std::string& actor_nick, const std::string& reason);
  void apply_config(Room& room, MucRoomConfig config);
  void remove_occupant_with(Room& room, Occupant& occ, std::vector<int> codes, const std::string& actor_nick,
                            const std::string& reason);
  void destroy(Room& room, const std::string& reason, const std::string& alternate);
  void drop_if_unused(Room& room);
  void sweep(Room& room);
  void persist(const Room& room);

  // Stanzas
  Element occupant_presence(const Room& room, const Occupant& occ, bool with_jid) const;
  void broadcast_presence(Room& room, Occupant& occ, const std::vector<int>& self_codes,
                          const std::vector<int>& all_codes);
  void send_to_occupant(const Room& room, const Occupant& occ, Element& stanza);
  void send_to(const Jid& full, Element& stanza);
  void reply(const Element& iq, IqResult result);
  std::unique_ptr<Room> new_room(const Jid& jid, MucRoomConfig config);

  Server& server_;
  MucSettings settings_;
  MemoryHistory memory_;
  std::map<std::string, std::unique_ptr<Room>> rooms_;  // by localpart
  bool loaded_ = false;
  std::vector<Element> waiting_;  // stanzas received while loading
  // Joining clients whose history is being read, by room (bare JID, as the room's stanzas carry
  // it in 'from', so a delivery looks it up without parsing or allocating): what the room sent
  // them since.
  struct Joining {
    Jid user;
    std::vector<Element> held;
  };
  std::map<std::string, std::vector<Joining>, std::less<>> joining_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::function<bool(const MucGroupchat&)> observer_;
  RoomFeatures room_features_;  // set_room_features: more disco#info features for an asker
};

}  // namespace xmppd::muc
