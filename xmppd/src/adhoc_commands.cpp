// XEP-0050 Ad-Hoc Commands 1.3 in the router: the IQs that concern the commands modules added
// on a host (ModuleContext::add_command) are taken by a hook of the core in the rewrite band, so
// policy hooks still run first and the module that owns the target (e.g. the MUC rooms of
// chat.D, which answer every other IQ to a room) never sees them:
// - <command/> sets to a JID that offers commands (§3, §4; AdhocSessions runs the session);
// - disco#items with node='http://jabber.org/protocol/commands' (§2.2);
// - disco#info with the node of a command (§2.3).
// The host's own disco#info lists the feature (§2.1, Core::disco_info). Anything else goes on.
#include <algorithm>

#include "core.hpp"
#include "xmppd/log.hpp"
#include "xmppd/namespaces.hpp"
#include "xmppd/storage.hpp"

namespace xmppd {
namespace {

Element result_to(const Element& request, const Jid& from, const Jid& to, const IqResult& result) {
  if (result.error()) return make_error_reply(request, *result.error());
  Element reply("iq", ns::kClient);
  reply.set_attr("type", "result").set_attr("id", std::string(request.attr("id")));
  reply.set_attr("from", to.str()).set_attr("to", from.str());
  if (result.payload()) reply.add(*result.payload());
  return reply;
}

}  // namespace

void Core::add_adhoc_hooks(Host& h) {
  for (Target t : {Target::host, Target::bare}) {
    HookList& list = h.hooks_for({StanzaKind::iq, Hop::incoming, t});
    auto copy = std::make_shared<std::vector<HookEntry>>(list ? *list : std::vector<HookEntry>{});
    // Registration id 0: no module owns it, so none removes it.
    copy->insert(copy->begin(), HookEntry{0, priority::kRewrite, [this, &h](StanzaEvent& ev) { return on_adhoc_iq(h, ev); }});
    std::stable_sort(copy->begin(), copy->end(), [](const HookEntry& a, const HookEntry& b) { return a.priority > b.priority; });
    list = std::move(copy);
  }
}

Flow Core::on_adhoc_iq(Host& h, StanzaEvent& ev) {
  if (h.adhoc.empty()) return Flow::next;
  const Element& st = ev.stanza;
  std::string_view type = st.attr("type");
  const Element* payload = st.first_child_element();
  if (!payload || (type != "get" && type != "set")) return Flow::next;
  const Jid& to = ev.to;

  if (type == "get" && payload->is("query", ns::kDiscoItems) && payload->attr("node") == ns::kCommands) {
    if (!to.local().empty() && !h.adhoc.serves(to)) return Flow::next;  // an account, a room without commands
    route(result_to(st, ev.from, to, IqResult::ok(h.adhoc.items(ev.from, to))));
    return Flow::stop;
  }
  if (type == "get" && payload->is("query", ns::kDiscoInfo) && !payload->attr("node").empty()) {
    if (!h.adhoc.find(payload->attr("node"), to)) return Flow::next;  // another module's node (e.g. caps)
    route(result_to(st, ev.from, to, h.adhoc.info(payload->attr("node"), ev.from, to)));
    return Flow::stop;
  }
  if (!payload->is("command", ns::kCommands)) return Flow::next;
  if (!to.local().empty() && !h.adhoc.serves(to)) return Flow::next;
  if (type != "set") {  // §3.2: commands are IQ sets
    bounce(st, StanzaError::bad_request());
    return Flow::stop;
  }
  spawn(
      [](Core& core, Host& h, Element stanza, Jid from, Jid to) -> Task<void> {
        IqResult result = IqResult(StanzaError::internal_server_error());
        try {
          // Named first: GCC 12 destroys temporaries of a co_await expression twice.
          auto run = h.adhoc.execute(from, to, *stanza.first_child_element(), core.now_us(), core.random_id());
          result = co_await std::move(run);
        } catch (const StorageError& e) {
          log::error("core", "storage failure in an ad-hoc command: ", e.what());
          result = e.transient() ? StanzaError::resource_constraint() : StanzaError::internal_server_error();
        } catch (const std::exception& e) {
          std::string error_id = core.random_id().substr(0, 8);
          log::error("core", "error ", error_id, " in an ad-hoc command: ", e.what());
          result = StanzaError::internal_server_error();
        }
        core.route(result_to(stanza, from, to, result));
      }(*this, h, st, ev.from, to),
      "ad-hoc command");
  return Flow::stop;
}

}  // namespace xmppd
