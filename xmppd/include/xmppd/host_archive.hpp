// What a service on a room host adds to the archive there (issue 6 on issue 5's archive): the
// livechat service on chat.D labels its rooms' records with conversation, client, queue and
// channel, and answers XEP-0313 queries addressed to the host itself (its staff search).
//
// Who calls what: the mam module, on a room host, asks Server::service<ArchiveLabels>(host) to
// label every room record before it commits it, and hands a MAM IQ addressed to the host's bare
// JID to Server::service<HostArchiveSearch>(host) when a module provides one (otherwise
// service-unavailable, as before). The providing module registers with ModuleContext::provide.
#pragma once
#include "xmppd/archive.hpp"
#include "xmppd/iq.hpp"
#include "xmppd/jid.hpp"

namespace xmppd {

class ArchiveLabels {
 public:
  virtual ~ArchiveLabels() = default;
  // Sets the livechat columns (and, where it differs, the data class) of a record the room
  // `room` is about to archive; leaves a record of a room it does not know as it is.
  virtual void label(const Jid& room, ArchiveRecord& record) = 0;
};

class HostArchiveSearch {
 public:
  virtual ~HostArchiveSearch() = default;
  // A XEP-0313 <query/> (get: the form; set: a search) addressed to the host: the provider
  // decides what the asker may read, sends the §4.2 results and returns the §4.3 answer.
  virtual Task<IqResult> query(const IqRequest& request) = 0;
};

}  // namespace xmppd
