// A stand-in for the presence module in module tests that need RFC 6121 availability but do
// not test presence itself: at the presence module's priority it marks a session available
// (with its priority and last presence) at initial presence and unavailable at
// type='unavailable', and stops there (no broadcast). Include it in one test file; list
// "stub_presence" among the TestHost modules.
#pragma once
#include <string>

#include "xmppd/module.hpp"
#include "xmppd/namespaces.hpp"
#include "xmppd/session.hpp"

namespace xmppd::testing {
namespace stub_presence_detail {

class StubPresence final : public Module {
 public:
  explicit StubPresence(ModuleContext& ctx) {
    ctx.on_stanza({StanzaKind::presence, Hop::outgoing, Target::bare}, priority::kNormal, [](StanzaEvent& ev) {
      Session* s = ev.origin;
      if (!s || ev.stanza.has_attr("to")) return Flow::next;
      std::string_view type = ev.stanza.attr("type");
      if (type == "unavailable") {
        s->available = false;
        s->last_presence.reset();
      } else if (type.empty()) {
        s->available = true;
        const Element* p = ev.stanza.child("priority", ns::kClient);
        s->priority = p ? std::stoi(p->text()) : 0;
        s->last_presence = ev.stanza;
      }
      return Flow::stop;
    });
  }
};

inline ModuleInfo describe() {
  ModuleInfo m;
  m.name = "stub_presence";
  m.summary = "test stand-in for RFC 6121 availability";
  m.create = [](ModuleContext& ctx) { return std::make_unique<StubPresence>(ctx); };
  return m;
}

XMPPD_REGISTER_MODULE(describe);

}  // namespace stub_presence_detail
}  // namespace xmppd::testing
