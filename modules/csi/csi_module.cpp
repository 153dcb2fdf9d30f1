// XEP-0352 Client State Indication: while a client says it is <inactive/>, stanzas it need not
// see at once are held back and sent when something urgent comes, when it says <active/>
// again, or when too many are waiting.
//
// Held (§"Server behaviour" suggestions): presence updates (only the latest per sender full
// JID is kept), messages with only chat-state content (only the latest per conversation), and
// PEP notifications. Everything else is urgent: it first flushes what is held, in order, then
// goes out itself, so the order a client sees never changes. Nothing is dropped; what is held
// when a session ends goes with it (it was presence and chat states, which the next session
// gets afresh).
#include <deque>
#include <string>

#include "xmppd/module.hpp"
#include "xmppd/namespaces.hpp"
#include "xmppd/server.hpp"
#include "xmppd/session.hpp"

namespace xmppd {
namespace {

constexpr char kChatStates[] = "http://jabber.org/protocol/chatstates";  // XEP-0085
constexpr char kPubsubEvent[] = "http://jabber.org/protocol/pubsub#event";  // XEP-0163

struct Held {
  std::string key;  // replaces an earlier held stanza with the same key; empty: never replaced
  Element stanza;
};

struct CsiState {
  bool inactive = false;
  std::deque<Held> queue;
};

enum class Urgency { now, later };

// The message inside a XEP-0280 copy, whose content decides.
const Element& payload_message(const Element& m) {
  for (const char* d : {"sent", "received"}) {
    if (const Element* w = m.child(d, ns::kCarbons))
      if (const Element* f = w->child("forwarded", ns::kForward))
        if (const Element* inner = f->child("message", ns::kClient)) return *inner;
  }
  return m;
}

bool only_chat_states(const Element& m) {
  bool chat_state = false;
  for (const auto& c : m.children()) {
    if (c.is_text()) continue;
    if (c.ns() == kChatStates) chat_state = true;
    else if (!(c.ns() == ns::kHints || c.is("thread", ns::kClient))) return false;
  }
  return chat_state;
}

// Whether `stanza` can wait, and under which key it replaces an earlier one.
Urgency classify(const Element& stanza, std::string& key) {
  std::string_view type = stanza.attr("type");
  if (stanza.name() == "presence") {
    // Subscription requests and answers, probes and errors want attention; availability
    // updates do not.
    if (!type.empty() && type != "unavailable") return Urgency::now;
    key = "presence " + std::string(stanza.attr("from"));
    return Urgency::later;
  }
  if (stanza.name() == "message") {
    if (type == "error") return Urgency::now;
    const Element& m = payload_message(stanza);
    if (only_chat_states(m)) {
      key = "chatstate " + std::string(m.attr("from")) + " " + std::string(m.attr("to"));
      return Urgency::later;
    }
    if (type == "headline" && stanza.child("event", kPubsubEvent) && !stanza.child("body", ns::kClient))
      return Urgency::later;
  }
  return Urgency::now;  // IQs, and messages with a body or anything else
}

class CsiModule final : public Module {
 public:
  explicit CsiModule(ModuleContext& ctx) : max_queue_(std::size_t(ctx.options().integer("max_queue"))) {
    ctx.on<StreamFeatures>(priority::kNormal, [](StreamFeatures& ev) {
      // §4.1: offered once the client has authenticated.
      if (ev.authenticated) ev.features.add_child("csi", ns::kCsi);
    });
    ctx.on<NonzaReceived>(priority::kNormal, [this](NonzaReceived& ev) {
      if (ev.element.ns() != ns::kCsi) return;
      if (ev.element.name() == "inactive") {
        ev.session.state<CsiState>().inactive = true;
        ev.handled = true;
      } else if (ev.element.name() == "active") {
        // §4.2 and "In-order processing": the held stanzas are written before anything the
        // client sends after <active/> is processed.
        auto& st = ev.session.state<CsiState>();
        st.inactive = false;
        flush(ev.session, st);
        ev.handled = true;
      }
    });
    ctx.on<DeliverToSession>(priority::kNormal, [this](DeliverToSession& ev) { on_deliver(ev); });
  }

 private:
  void on_deliver(DeliverToSession& ev) {
    auto* st = ev.session.find_state<CsiState>();
    if (!st || !st->inactive) return;
    std::string key;
    if (classify(ev.stanza, key) == Urgency::now) {
      flush(ev.session, *st);  // then the core writes this one
      return;
    }
    if (!key.empty())
      std::erase_if(st->queue, [&](const Held& h) { return h.key == key; });
    st->queue.push_back(Held{std::move(key), ev.stanza});
    ev.held = true;
    if (st->queue.size() >= max_queue_) flush(ev.session, *st);
  }

  static void flush(Session& session, CsiState& st) {
    auto queue = std::move(st.queue);
    st.queue.clear();
    for (const auto& h : queue) session.send(h.stanza);
  }

  std::size_t max_queue_;
};

ModuleInfo describe() {
  ModuleInfo m;
  m.name = "csi";
  m.summary = "XEP-0352 Client State Indication";
  m.xeps = {"XEP-0352 (urn:xmpp:csi:0) complete"};
  m.options = {{"max_queue", OptionType::integer, "500", 1, 100000,
                "stanzas held for an inactive client before they are all sent"}};
  m.default_hosts = {"accounts", "visitors"};
  m.create = [](ModuleContext& ctx) { return std::make_unique<CsiModule>(ctx); };
  return m;
}

XMPPD_REGISTER_MODULE(describe);

}  // namespace
}  // namespace xmppd
