// XEP-0115 §6.3 capabilities of local client sessions (see peer_caps_tracker.hpp).
#include "peer_caps_tracker.hpp"

#include <algorithm>

#include "caps_ver.hpp"
#include "xmppd/module.hpp"
#include "xmppd/namespaces.hpp"
#include "xmppd/peer_caps.hpp"
#include "xmppd/server.hpp"
#include "xmppd/session.hpp"

namespace xmppd::caps {

PeerCapsTracker::PeerCapsTracker(ModuleContext& ctx, std::size_t max_cached)
    : server_(ctx.server()), host_(ctx.host()), max_cached_(max_cached) {
  // Above the presence module (kNormal), which takes broadcast presence; below policy, so a
  // presence that is refused is not looked at.
  for (Target t : {Target::bare, Target::full, Target::host})
    ctx.on_stanza({StanzaKind::presence, Hop::outgoing, t}, priority::kRewrite,
                  [this](StanzaEvent& ev) { return on_presence(ev); });
  // The client's answer is addressed to the host (the query came from it).
  ctx.on_stanza({StanzaKind::iq, Hop::incoming, Target::host}, priority::kRewrite,
                [this](StanzaEvent& ev) { return on_reply(ev); });
  ctx.on<SessionClosed>(priority::kNormal, [this](SessionClosed& ev) {
    std::erase_if(pending_, [&](const auto& kv) { return kv.second.session == ev.session.jid(); });
  });
}

Flow PeerCapsTracker::on_presence(StanzaEvent& ev) {
  Session* session = ev.origin;
  // Only broadcast available presence carries the caps the account's server uses (§6.3).
  if (!session || ev.stanza.has_attr("to") || !ev.stanza.attr("type").empty()) return Flow::next;
  const Element* c = ev.stanza.child("c", ns::kCaps);
  // §5 / §8.4: only the hashed form can be verified; legacy caps without 'hash' are ignored.
  if (!c || c->attr("hash") != "sha-1" || c->attr("ver").empty() || c->attr("node").empty()) return Flow::next;
  std::string ver(c->attr("ver"));
  auto& state = session->state<PeerCaps>();
  if (state.ver == ver && state.features) return Flow::next;  // unchanged
  state.ver = ver;
  state.features.reset();
  if (auto it = by_ver_.find(ver); it != by_ver_.end()) {
    learned(session->jid(), ver, it->second);
    return Flow::next;
  }
  // One question per session at a time: the same 'ver' is already asked for; an answer about an
  // older one would be ignored anyway, so it is forgotten and the new one asked.
  for (auto it = pending_.begin(); it != pending_.end(); ++it) {
    if (!(it->second.session == session->jid())) continue;
    if (it->second.ver == ver) return Flow::next;
    pending_.erase(it);
    break;
  }
  std::string id = "caps-" + server_.random_id();
  pending_[id] = Pending{session->jid(), ver};
  Element iq("iq", ns::kClient);
  iq.set_attr("type", "get").set_attr("id", id).set_attr("from", host_).set_attr("to", session->jid().str());
  iq.add_child("query", ns::kDiscoInfo).set_attr("node", std::string(c->attr("node")) + "#" + ver);
  // After this presence has gone its way, so the client sees it answered in order.
  server_.spawn(
      [](Server& server, Element iq) -> Task<void> {
        server.route(std::move(iq));
        co_return;
      }(server_, std::move(iq)),
      "caps query");
  return Flow::next;
}

Flow PeerCapsTracker::on_reply(StanzaEvent& ev) {
  std::string_view type = ev.stanza.attr("type");
  if (type != "result" && type != "error") return Flow::next;
  auto it = pending_.find(std::string(ev.stanza.attr("id")));
  if (it == pending_.end() || !(it->second.session == ev.from)) return Flow::next;
  Pending asked = std::move(it->second);
  pending_.erase(it);
  const Element* query = ev.stanza.child("query", ns::kDiscoInfo);
  if (type != "result" || !query) return Flow::stop;
  Element unnoded = *query;
  unnoded.remove_attr("node");
  if (verification_string(unnoded) != asked.ver) return Flow::stop;  // §5.4: not what it claimed
  auto features = std::make_shared<std::vector<std::string>>();
  for (const Element* f : query->elements("feature", ns::kDiscoInfo)) features->emplace_back(f->attr("var"));
  std::sort(features->begin(), features->end());
  if (by_ver_.size() >= max_cached_) by_ver_.clear();
  by_ver_[asked.ver] = features;
  learned(asked.session, asked.ver, features);
  // A session of another resource may have announced the same ver meanwhile.
  for (Session* s : server_.sessions(asked.session.bare())) {
    if (s->jid() == asked.session) continue;
    auto* other = s->find_state<PeerCaps>();
    if (other && other->ver == asked.ver && !other->features) learned(s->jid(), asked.ver, features);
  }
  return Flow::stop;
}

void PeerCapsTracker::learned(const Jid& session_jid, const std::string& ver,
                              const std::shared_ptr<const std::vector<std::string>>& features) {
  Session* s = server_.session(session_jid);
  if (!s) return;
  auto& state = s->state<PeerCaps>();
  if (state.ver != ver) return;  // it has announced another since
  state.features = features;
  PeerCapsChanged ev{*s};
  server_.emit(host_, ev);
}

}  // namespace xmppd::caps
