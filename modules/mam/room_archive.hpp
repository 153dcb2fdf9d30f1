// A room's archive (XEP-0313 for rooms, issue 5): the RoomHistory and RoomArchive the mam module
// provides on a room host (xmppd/muc.hpp), backed by the one archive (Server::archive()).
//
// Who calls what: the MUC module asks assign_id() for every groupchat message it is about to
// broadcast (the archive's time-ordered id, reserved before fan-out, is the XEP-0359 stanza id
// by the room), then append() for the ones it keeps (with a body), recent() for history on join
// (XEP-0045 §7.2.15, so history survives a restart) and query() for a MAM query it has allowed.
// Records: owner = the room's bare JID, with = the room's bare JID, with_resource = the nick
// (so the form's `with` = room@host/nick selects a nick), direction room; the sender's real bare
// JID is kept in the stored stanza as <x xmlns='…muc#user'><item jid/></x> and removed from
// what a reader who may not see it gets.
// Retention: the MUC module tells set_period() / room_ended() / rooms_loaded() about rooms with a
// period of their own; they become the archive's own periods of the room's JID (ArchiveOwnPeriod,
// from the room's creation on), which the purge (mam_module.cpp) applies, bounded by max_period.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "xmppd/archive.hpp"
#include "xmppd/muc.hpp"
#include "xmppd/server.hpp"

namespace xmppd::mam {

class RoomArchiveService final : public RoomHistory, public RoomArchive {
 public:
  RoomArchiveService(Server& server, std::string host, std::size_t max_page, RoomRetention retention)
      : server_(server), host_(std::move(host)), max_page_(max_page), retention_(retention) {}

  // RoomHistory
  std::string assign_id(const Jid& room) override;
  void append(const Jid& room, RoomMessage message) override;
  Task<std::vector<RoomMessage>> recent(Jid room, HistoryRequest request) override;
  // The records stay until retention purges them; a room created later under the same name
  // reads only from its creation on (RoomArchiveAccess::since_us, HistoryRequest::since_us).
  void forget(const Jid&) override {}

  // RoomArchive
  RoomRetention retention() const override { return retention_; }
  // The periods go to the archive (Archive::set_own_periods), which keeps them across restarts.
  void set_period(const RoomPeriod& room) override;
  void room_ended(const RoomPeriod& room) override;
  void rooms_loaded(const std::vector<RoomPeriod>& rooms) override;
  Task<IqResult> query(Jid room, Jid asker, Element query, bool set, RoomArchiveAccess access) override;
  std::vector<std::string> features() const override;

 private:
  // The archive's form of a room's period (bounded by max_period); keep_us unset: none.
  ArchiveOwnPeriod own_period(const RoomPeriod& room, std::optional<std::int64_t> until_us = {}) const;

  Server& server_;
  std::string host_;
  std::size_t max_page_;
  RoomRetention retention_;
};

// The stanza as stored: any <x xmlns='…muc#user'/> a client put in is dropped (it could claim a
// real JID), and the room's own one carries `real_jid` (when known).
std::string stored_room_stanza(const Element& message, const std::string& real_jid);
// The stanza as a reader gets it: without the real JID unless `real_jids`. Returns the real
// bare JID found (empty when none).
std::string reader_room_stanza(Element& message, bool real_jids);

}  // namespace xmppd::mam
