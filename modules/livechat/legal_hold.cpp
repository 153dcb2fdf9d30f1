// The XEP-0050 command `legal-hold` on chat.D (DESIGN.md privacy: "records under a legal hold are
// skipped by purge and erasure"): an administrator puts a client (the id staff see in search
// results and the client history, docs/protocol.md "Clients") under legal hold or releases it.
// One stage: the client id and whether to hold. Every change is written to the audit log.
#include "legal_hold.hpp"

#include "xmppd/data_form.hpp"
#include "xmppd/server.hpp"
#include "xmppd/storage.hpp"

namespace xmppd::livechat {

AdhocCommand legal_hold_command(Server& server, std::string host, std::set<std::string> administrators) {
  AdhocCommand c;
  c.node = "urn:xmppd:livechat:0#legal-hold";
  c.name = "Legal hold of a client";
  c.allowed = [administrators](const Jid& who, const Jid&) { return administrators.count(who.bare_str()) > 0; };
  c.run = [&server, host](AdhocRequest r) -> Task<AdhocStep> {
    // The lambda may be gone once this coroutine suspends: what it captured is copied first.
    Server& srv = server;
    const std::string chat = host;
    if (r.submitted.empty()) {
      Element x = form::make("form", "Legal hold",
                             "A client under legal hold keeps all of its records: no retention period removes "
                             "them until the hold is released.");
      form::field(x, "client", "text-single", "Client id", "", true);
      form::field(x, "hold", "boolean", "Under legal hold", "1");
      co_return AdhocStep::ask(std::move(x));
    }
    const Element& f = r.submitted.back();
    std::string client = form::value(f, "client");
    if (client.empty()) co_return AdhocStep::fail(adhoc_bad_payload("the client id is required"));
    // An absent field keeps the form's default (hold): releasing is always said explicitly.
    bool hold = form::values(f, "hold").empty() || form::boolean(f, "hold");
    if (!co_await srv.storage().livechat_clients().set_legal_hold(chat, client, hold))
      co_return AdhocStep::fail(StanzaError{"cancel", "item-not-found", "no such client", {}});
    // A named record: GCC 12 destroys a braced temporary inside a co_await expression twice.
    LivechatAuditRecord entry{r.requester.bare_str(), hold ? "legal_hold" : "legal_hold_released", client,
                              srv.now_us(), "audit"};
    co_await srv.storage().livechat_clients().audit(chat, std::move(entry));
    co_return AdhocStep::done(hold ? "Client " + client + " is under legal hold."
                                   : "Client " + client + " is no longer under legal hold.");
  };
  return c;
}

}  // namespace xmppd::livechat
