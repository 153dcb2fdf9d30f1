// XEP-0115 Entity Capabilities for the server itself (§6.3): the host's caps in the stream
// features after authentication, and the disco#info of its node#ver (§6.2).
//
// The 'ver' is computed from the disco#info the core answers for the host (Server::
// disco_info), so it always matches what a client would get by asking. It is kept while the
// host's disco stays the same (Server::disco_generation): modules may add features after this
// one started, and computing it (the disco#info built, sorted, hashed) was a tenth of the CPU
// of an anonymous login, where every authenticated stream's features carry it.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include "caps_ver.hpp"
#include "peer_caps_tracker.hpp"
#include "xmppd/module.hpp"
#include "xmppd/namespaces.hpp"
#include "xmppd/server.hpp"

namespace xmppd {
namespace {

class CapsModule final : public Module {
 public:
  explicit CapsModule(ModuleContext& ctx)
      : ctx_(ctx),
        node_(ctx.options().string("node")),
        peers_(ctx, static_cast<std::size_t>(ctx.options().integer("max_cached_vers"))) {
    if (node_.empty()) throw std::runtime_error("option node must not be empty");
    ctx.add_feature(ns::kCaps);  // XEP-0115 §7: an entity supporting caps says so in disco
    ctx.on<StreamFeatures>(priority::kNormal, [this](StreamFeatures& ev) {
      if (!ev.authenticated) return;  // nothing about the server is told before authentication
      ev.features.add_child("c", ns::kCaps)
          .set_attr("hash", "sha-1")
          .set_attr("node", node_)
          .set_attr("ver", current_ver());
    });
    // The core answers disco#info without a node itself; a query for node#ver reaches the
    // host's incoming IQ hooks first. A hook, not an on_iq handler, so other modules can still
    // serve their own disco nodes (one handler per namespace and host).
    ctx.on_stanza(StanzaHook{StanzaKind::iq, Hop::incoming, Target::host}, priority::kNormal,
                  [this](StanzaEvent& ev) { return answer_node(ev); });
  }

 private:
  Flow answer_node(StanzaEvent& ev) {
    const Element& iq = ev.stanza;
    if (iq.attr("type") != "get") return Flow::next;
    const Element* query = iq.first_child_element();
    if (!query || !query->is("query", ns::kDiscoInfo)) return Flow::next;
    std::string_view node = query->attr("node");
    if (node.size() <= node_.size() || !node.starts_with(node_) || node[node_.size()] != '#') return Flow::next;
    Element info = ctx_.server().disco_info(ctx_.host());
    // §6.2: only the current ver; an old one falls through to the core (item-not-found).
    if (node.substr(node_.size() + 1) != current_ver()) return Flow::next;
    info.set_attr("node", std::string(node));
    Element reply("iq", ns::kClient);
    reply.set_attr("type", "result").set_attr("id", std::string(iq.attr("id")));
    reply.set_attr("from", ev.to.str()).set_attr("to", ev.from.str());
    reply.add(std::move(info));
    ctx_.server().route(std::move(reply));
    return Flow::stop;
  }

  const std::string& current_ver() {
    std::uint64_t generation = ctx_.server().disco_generation(ctx_.host());
    if (!ver_ || ver_generation_ != generation) {
      ver_ = caps::verification_string(ctx_.server().disco_info(ctx_.host()));
      ver_generation_ = generation;
    }
    return *ver_;
  }

  ModuleContext& ctx_;
  std::string node_;
  std::optional<std::string> ver_;  // the host's ver, computed at ver_generation_
  std::uint64_t ver_generation_ = 0;
  caps::PeerCapsTracker peers_;  // clients' caps (§6.3), for other modules' filtering
};

ModuleInfo describe() {
  ModuleInfo m;
  m.name = "caps";
  m.summary = "XEP-0115 Entity Capabilities of the server (stream feature)";
  m.xeps = {"XEP-0115 1.6 partial (server capabilities; clients' caps learned for filtering, §6.3; no presence caps optimisation)"};
  m.options = {
      {"node", OptionType::string, "https://xmppd.example/caps", 0, INT64_MAX,
       "the caps node: a URI naming this software (XEP-0115 §4)"},
      {"max_cached_vers", OptionType::integer, "1000", 10, 1000000,
       "clients' verification strings whose features are kept (XEP-0115 §6.3 cache)"},
  };
  m.default_hosts = {"accounts", "visitors"};
  m.create = [](ModuleContext& ctx) { return std::make_unique<CapsModule>(ctx); };
  return m;
}

XMPPD_REGISTER_MODULE(describe);

}  // namespace
}  // namespace xmppd
