// XEP-0050 Ad-Hoc Commands 1.3 for one host: the commands modules added and the open sessions.
// Plain C++ with the time and ids given by the caller, unit-tested without a server
// (test/adhoc_sessions_test.cpp); the core feeds it IQs (adhoc_commands.cpp).
//
// A session (§3.3) starts with an 'execute' without sessionid and lives while its command says
// `executing`. Each session remembers the forms submitted and what each stage showed, so 'prev'
// (§3.4) shows the previous stage again without asking the module. The actions a stage accepts
// are the ones it offered: 'next' while more stages follow, 'complete' at the last one, 'prev'
// after the first, 'cancel' always, 'execute' meaning the offered default. Sessions end on
// completion or cancel, expire after `idle_us`; a requester holds at most `per_requester` (its
// oldest goes when it opens another) and the host at most `total` (then wait/resource-constraint),
// so input cannot grow memory. Ids of sessions that expired are remembered (a bounded list) to
// answer session-expired rather than bad-sessionid (§4.6).
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "xmppd/adhoc.hpp"
#include "xmppd/iq.hpp"

namespace xmppd {

struct AdhocLimits {
  std::int64_t idle_us = 10LL * 60 * 1000 * 1000;  // a session idle this long expires
  std::size_t per_requester = 8;
  std::size_t total = 10000;
  std::size_t expired_remembered = 1024;
};

class AdhocSessions {
 public:
  using Limits = AdhocLimits;
  explicit AdhocSessions(Limits limits = {}) : limits_(limits) {}

  // Throws std::runtime_error when the node is taken on this host.
  void add(std::uint64_t owner, AdhocCommand command);
  void remove_owned(const std::function<bool(std::uint64_t)>& mine);
  bool empty() const { return commands_.empty(); }
  // Some command is offered by the host JID itself (§2.1: the host advertises the feature).
  bool on_host() const;
  // Some command is offered by `target` (the host or a bare JID of it).
  bool serves(const Jid& target) const;
  const AdhocCommand* find(std::string_view node, const Jid& target) const;

  // §2.2: the <query xmlns=disco#items node=commands/> of `target` for `requester`.
  Element items(const Jid& requester, const Jid& target) const;
  // §2.3: disco#info of a command node; item-not-found / forbidden as for executing.
  IqResult info(std::string_view node, const Jid& requester, const Jid& target) const;
  // §3, §4: the reply to <command/> (the IQ's payload) from `requester` to `target`.
  Task<IqResult> execute(Jid requester, Jid target, Element command, std::int64_t now_us, std::string fresh_id);

  // The requester's stream ended: its sessions go (§3.3: a session is bound to the full JID).
  void forget(const Jid& requester);
  std::size_t session_count() const { return sessions_.size(); }

 private:
  struct Session {
    std::string requester, target, node;
    std::vector<Element> submitted;
    std::vector<AdhocStep> shown;  // what each stage showed, the current one last
    std::int64_t opened_us = 0, expires_us = 0;
    bool busy = false;  // a stage is being computed
  };
  struct Entry {
    std::uint64_t owner;
    AdhocCommand command;
  };

  void sweep(std::int64_t now_us);
  void remember_expired(const std::string& id);
  std::optional<StanzaError> open_room_for(const std::string& requester);
  Element render(const std::string& node, const std::string& sessionid, const AdhocStep& step, bool first) const;

  Limits limits_;
  std::vector<Entry> commands_;
  std::map<std::string, Session> sessions_;  // by session id
  std::deque<std::string> expired_;
};

}  // namespace xmppd
