// XEP-0199 XMPP Ping: the server answers pings addressed to it (§4.2) or to an account's bare
// JID on its behalf (RFC 6120 §10.3.3).
#include "xmppd/module.hpp"
#include "xmppd/namespaces.hpp"

namespace xmppd {
namespace {

class PingModule final : public Module {
 public:
  explicit PingModule(ModuleContext& ctx) {
    ctx.add_feature(ns::kPing);
    auto pong = [](const IqRequest&) -> Task<IqResult> { co_return IqResult::ok(); };
    ctx.on_iq(IqType::get, ns::kPing, IqScope::host, pong);
  }
};

ModuleInfo describe() {
  ModuleInfo m;
  m.name = "ping";
  m.summary = "XEP-0199 XMPP Ping";
  m.xeps = {"XEP-0199 1.0 complete"};
  m.default_hosts = {"accounts", "visitors"};
  m.create = [](ModuleContext& ctx) { return std::make_unique<PingModule>(ctx); };
  return m;
}

XMPPD_REGISTER_MODULE(describe);

}  // namespace
}  // namespace xmppd
