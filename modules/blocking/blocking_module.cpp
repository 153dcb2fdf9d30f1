// XEP-0191 Blocking Command: the blocklist (get, block, unblock, unblock all, pushes) and its
// enforcement in both directions (§3.3: stanzas from a blocked JID are not delivered; stanzas
// to one are refused with <not-acceptable/> and <blocked xmlns='urn:xmpp:blocking:errors'/>).
//
// Enforcement runs in hooks, which are synchronous, against blocklists kept in memory per
// account: loaded when a session binds (and on demand, e.g. for a message to an account that is
// offline), dropped when the account's last session ends. A stanza that needs a list not yet in
// memory is held (with the sender's XEP-0198 acknowledgement), and continues below this hook's
// priority once the list is there (Server::deliver / Server::resume_outgoing), in arrival order.
// A change made while a list loads bumps its generation, and the load is repeated, so a list in
// memory never misses a change. If a list cannot be loaded the stanza is refused, not let
// through.
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "xmppd/log.hpp"
#include "xmppd/module.hpp"
#include "xmppd/namespaces.hpp"
#include "xmppd/server.hpp"
#include "xmppd/session.hpp"
#include "xmppd/storage.hpp"

namespace xmppd {
namespace {

// Above the other policy hooks, so a held stanza resumed below this priority still meets them.
constexpr int kBlockingPriority = priority::kPolicy + 10;

// Per session: it has requested the blocklist, so it gets pushes (§3.3, §3.4).
struct BlockingState {
  bool requested = false;
};

// The JIDs an item may name to match `j` (§2 "JID Matching", as XEP-0016): the full JID, the
// bare JID, domain/resource, the domain, and the domains it is a subdomain of.
std::vector<std::string> match_keys(const Jid& j) {
  std::vector<std::string> keys;
  if (!j.local().empty()) {
    if (!j.is_bare()) keys.push_back(j.str());
    keys.push_back(j.bare_str());
  }
  if (!j.resource().empty()) keys.push_back(j.domain() + "/" + j.resource());
  std::string_view d = j.domain();
  for (;;) {
    keys.emplace_back(d);
    auto dot = d.find('.');
    if (dot == std::string_view::npos) break;
    d.remove_prefix(dot + 1);
  }
  return keys;
}

bool blocks(const std::set<std::string>& items, const Jid& j) {
  if (items.empty()) return false;  // most lists: no match keys to build for every stanza (issue 3)
  for (const auto& k : match_keys(j))
    if (items.count(k)) return true;
  return false;
}

StanzaError blocked_error() {
  // §3.3: not-acceptable with the application-specific <blocked/>.
  StanzaError e{"cancel", "not-acceptable", {}, Element("blocked", ns::kBlockingErrors)};
  return e;
}

struct Blocklist {
  std::set<std::string> jids;
  bool loaded = false, loading = false;
  std::uint64_t generation = 0;
  std::vector<std::function<void(bool ok)>> waiters;
};

// Shared with coroutines and held stanzas, which may outlive a hook call.
struct State : std::enable_shared_from_this<State> {
  Server& server;
  std::string host;
  std::int64_t max_items;
  std::unordered_map<std::string, Blocklist> lists;  // bare JID -> list

  State(Server& s, std::string h, std::int64_t max) : server(s), host(std::move(h)), max_items(max) {}

  const Blocklist* loaded(const std::string& user) const {
    auto it = lists.find(user);
    return it != lists.end() && it->second.loaded ? &it->second : nullptr;
  }

  // Calls `then(true)` once every list of `users` is in memory (now, if they are), or
  // `then(false)` when one could not be loaded. Waiters run in the order they were added.
  void when_loaded(const std::vector<std::string>& users, std::function<void(bool)> then) {
    struct Join {
      int remaining = 0;
      bool ok = true;
      std::function<void(bool)> then;
    };
    auto join = std::make_shared<Join>();
    join->then = std::move(then);
    for (const auto& u : users) {
      Blocklist& b = lists[u];
      if (b.loaded) continue;
      ++join->remaining;
      b.waiters.push_back([join](bool ok) {
        join->ok = join->ok && ok;
        if (--join->remaining == 0) join->then(join->ok);
      });
      if (!b.loading) {
        b.loading = true;
        server.spawn(load(shared_from_this(), u), "blocklist load");
      }
    }
    if (join->remaining == 0) join->then(true);
  }

  static Task<void> load(std::shared_ptr<State> st, std::string user) {
    auto jid = Jid::parse(user);
    bool ok = jid.has_value();
    std::vector<std::string> items;
    while (ok) {
      std::uint64_t generation = st->lists[user].generation;
      try {
        // Through an outage the load waits (and with it the stanzas that need the list, and
        // their XEP-0198 acknowledgements) instead of bouncing them: issue 2, Storage.
        items = co_await st->server.storage().blocks().list_through_outage(jid->domain(), jid->local());
      } catch (const std::exception& e) {
        log::error("blocking", "cannot load a blocklist: ", e.what());
        ok = false;
      }
      if (!ok || st->lists[user].generation == generation) break;
    }
    Blocklist& b = st->lists[user];
    b.loading = false;
    if (ok) {
      b.loaded = true;
      b.jids = std::set<std::string>(items.begin(), items.end());
    }
    auto waiters = std::move(b.waiters);
    b.waiters.clear();
    for (auto& w : waiters) w(ok);
    st->forget_if_unused(user);
  }

  // Lists are kept while the account has sessions here.
  void forget_if_unused(const std::string& user) {
    auto it = lists.find(user);
    if (it == lists.end() || it->second.loading) return;
    auto jid = Jid::parse(user);
    if (!jid || server.sessions(*jid).empty()) lists.erase(it);
  }

  // A change is durable: apply it to the list in memory, and make a load under way redo.
  void changed(const std::string& user, const std::vector<std::string>& added,
               const std::vector<std::string>& removed, bool remove_all) {
    auto it = lists.find(user);
    if (it == lists.end()) return;
    Blocklist& b = it->second;
    ++b.generation;
    if (!b.loaded) return;
    if (remove_all) b.jids.clear();
    for (const auto& j : removed) b.jids.erase(j);
    for (const auto& j : added) b.jids.insert(j);
  }

  // Sends what a client sent to a blocked JID back as an error (§3.3); errors and IQ results
  // are dropped (RFC 6120 §8.3.1 and §8.2.3 allow no reply to them).
  void refuse(const Element& stanza, Session& origin, const StanzaError& error) {
    std::string_view type = stanza.attr("type");
    if (type == "error" || (stanza.name() == "iq" && type == "result")) return;
    server.send_to_session(origin, make_error_reply(stanza, error));
  }

  // The blocking decision for a stanza to a local account (lists of `to`, and of `from` when
  // `from` is an account here, in memory): Flow::next to deliver it.
  Flow decide(const Element& stanza, const Jid& from, const Jid& to) {
    const Blocklist* recipient = loaded(to.bare_str());
    if (recipient && blocks(recipient->jids, from)) {
      // §3.3: the user appears offline to the contact.
      std::string_view type = stanza.attr("type");
      if (stanza.name() == "message" && type != "headline") server.bounce(stanza, StanzaError::service_unavailable());
      if (stanza.name() == "iq" && (type == "get" || type == "set"))
        server.bounce(stanza, StanzaError::service_unavailable());
      return Flow::stop;  // presence: no answer, no error
    }
    // Stanzas sent on a user's behalf (presence broadcasts, probes answered by the server) to a
    // JID the user blocked. Errors pass: they are the user's server answering the contact.
    if (stanza.attr("type") != "error" && sender_is_local(from)) {
      const Blocklist* sender = loaded(from.bare_str());
      if (sender && blocks(sender->jids, to)) return Flow::stop;
    }
    return Flow::next;
  }

  bool sender_is_local(const Jid& from) const { return !from.local().empty() && from.domain() == host; }

  // Presence the user's available resources send to `contacts` when blocking (unavailable,
  // §3.3) or unblocking (their current presence, §3.4).
  void send_presence(const Jid& user, const std::vector<Jid>& contacts, bool unavailable) {
    for (Session* s : server.sessions(user)) {
      if (!s->available) continue;
      for (const Jid& c : contacts) {
        Element p("presence", ns::kClient);
        if (!unavailable) {
          if (!s->last_presence) continue;
          p = *s->last_presence;
        }
        p.set_attr("from", s->jid().str()).set_attr("to", c.str());
        if (unavailable) p.set_attr("type", "unavailable");
        // Past this module's own check of the user's list: the contact is blocked by now.
        if (unavailable && server.serves_host(c.domain())) server.deliver(std::move(p), kBlockingPriority);
        else server.route(std::move(p));
      }
    }
  }
};

// The roster contacts allowed to see the user's presence (RFC 6121 §4.3: subscription
// 'from' or 'both') that `items` name; a full-JID item names that resource only.
std::vector<Jid> presence_receivers(const std::vector<RosterItem>& roster, const std::vector<std::string>& items) {
  std::vector<Jid> out;
  for (const auto& r : roster) {
    if (r.subscription != Subscription::from && r.subscription != Subscription::both) continue;
    auto contact = Jid::parse(r.jid);
    if (!contact) continue;
    for (const auto& i : items) {
      auto item = Jid::parse(i);
      if (!item) continue;
      if (blocks({i}, *contact)) {
        out.push_back(*contact);
        break;
      }
      if (!item->is_bare() && !item->local().empty() && item->bare() == *contact) out.push_back(*item);
    }
  }
  return out;
}

Element items_element(const char* name, const std::vector<std::string>& jids) {
  Element e(name, ns::kBlocking);
  for (const auto& j : jids) e.add_child("item", ns::kBlocking).set_attr("jid", j);
  return e;
}

class BlockingModule final : public Module {
 public:
  explicit BlockingModule(ModuleContext& ctx)
      : st_(std::make_shared<State>(ctx.server(), ctx.host(), ctx.options().integer("max_items"))) {
    ctx.add_feature(ns::kBlocking);
    ctx.on_iq(IqType::get, ns::kBlocking, IqScope::host, [this](const IqRequest& r) { return get(st_, r); });
    ctx.on_iq(IqType::set, ns::kBlocking, IqScope::host, [this](const IqRequest& r) { return set(st_, r); });
    for (StanzaKind k : {StanzaKind::message, StanzaKind::presence, StanzaKind::iq}) {
      for (Target t : {Target::host, Target::bare, Target::full})
        ctx.on_stanza({k, Hop::outgoing, t}, kBlockingPriority, [this](StanzaEvent& ev) { return outgoing(ev); });
      for (Target t : {Target::bare, Target::full})
        ctx.on_stanza({k, Hop::incoming, t}, kBlockingPriority, [this](StanzaEvent& ev) { return incoming(ev); });
    }
    ctx.on<SessionBound>(priority::kNormal, [this](SessionBound& ev) {
      if (!ev.session.anonymous()) st_->when_loaded({ev.session.jid().bare_str()}, [](bool) {});
    });
    ctx.on<SessionClosed>(priority::kNormal,
                          [this](SessionClosed& ev) { st_->forget_if_unused(ev.session.jid().bare_str()); });
    ctx.on<AccountDeleted>(priority::kNormal, [this](AccountDeleted& ev) {
      if (auto j = Jid::from_parts(ev.username, ev.host)) {
        st_->changed(j->bare_str(), {}, {}, true);
        st_->forget_if_unused(j->bare_str());
      }
    });
  }

 private:
  // §3.3: a stanza the user sends to a blocked JID is refused.
  Flow outgoing(StanzaEvent& ev) {
    Session* origin = ev.origin;
    if (!origin || !ev.stanza.has_attr("to") || ev.to.bare() == ev.from.bare()) return Flow::next;
    std::string user = ev.from.bare_str();
    if (const Blocklist* b = st_->loaded(user)) {
      if (!blocks(b->jids, ev.to)) return Flow::next;
      st_->refuse(ev.stanza, *origin, blocked_error());
      return Flow::stop;
    }
    std::shared_ptr<void> hold = origin->defer_ack();
    st_->when_loaded({user}, [st = st_, stanza = ev.stanza, from = ev.from, to = ev.to, user, hold](bool ok) {
      Session* o = st->server.session(from);
      if (!o) return;  // the session ended: what it sent goes with it
      if (!ok) return st->refuse(stanza, *o, StanzaError::resource_constraint());
      if (const Blocklist* b = st->loaded(user); b && blocks(b->jids, to))
        return st->refuse(stanza, *o, blocked_error());
      st->server.resume_outgoing(stanza, *o, kBlockingPriority);
    });
    return Flow::stop;
  }

  // §3.3: a stanza from a JID the user blocked is not delivered.
  Flow incoming(StanzaEvent& ev) {
    if (ev.to.local().empty() || ev.from.bare() == ev.to.bare()) return Flow::next;
    std::vector<std::string> needed{ev.to.bare_str()};
    // An error passes whatever the sender's list says (decide()), so it does not wait for that
    // list: a bounce to the sender must not be held by the very load (or outage) it reports.
    if (st_->sender_is_local(ev.from) && ev.stanza.attr("type") != "error") needed.push_back(ev.from.bare_str());
    bool ready = true;
    for (const auto& u : needed) ready = ready && st_->loaded(u);
    if (ready) return st_->decide(ev.stanza, ev.from, ev.to);
    // The stanza waits for the lists (during a database outage, as long as it lasts): bounded
    // with the rest of the pending storage work; past the bound, RFC 6120 §8.3.3.18 at once.
    std::shared_ptr<void> admission = st_->server.storage().admit(ev.stanza.to_string().size());
    if (!admission) {
      std::string_view type = ev.stanza.attr("type");
      if (ev.stanza.name() != "presence" && type != "headline" && type != "result")
        st_->server.bounce(ev.stanza, StanzaError::resource_constraint());
      return Flow::stop;
    }
    std::shared_ptr<void> hold = ev.origin ? ev.origin->defer_ack() : nullptr;
    std::optional<Jid> origin_jid;
    if (ev.origin) origin_jid = ev.origin->jid();
    st_->when_loaded(needed, [st = st_, stanza = ev.stanza, from = ev.from, to = ev.to, origin_jid, hold,
                              admission](bool ok) mutable {
      // Given back before delivery: the offline module admits the stanza again if it stores it.
      admission.reset();
      if (!ok) {
        // Fail closed: the list could not be read, so the stanza cannot be delivered.
        std::string_view type = stanza.attr("type");
        if (stanza.name() != "presence" && type != "headline" && type != "result")
          st->server.bounce(stanza, StanzaError::resource_constraint());
        return;
      }
      if (st->decide(stanza, from, to) == Flow::stop) return;
      Session* origin = origin_jid ? st->server.session(*origin_jid) : nullptr;
      st->server.deliver(stanza, kBlockingPriority, origin);
    });
    return Flow::stop;
  }

  static bool local_account(const std::shared_ptr<State>& st, const IqRequest& req) {
    return !req.from.local().empty() && req.from.domain() == st->host;
  }

  // §3.2: the blocklist; the session will get pushes from now on.
  static Task<IqResult> get(std::shared_ptr<State> st, const IqRequest& req) {
    if (req.payload.name() != "blocklist") co_return StanzaError::bad_request();
    if (!local_account(st, req)) co_return StanzaError::not_allowed();
    if (req.origin) req.origin->state<BlockingState>().requested = true;
    Jid user = req.from.bare();
    auto items = co_await st->server.storage().blocks().list(user.domain(), user.local());
    co_return IqResult::ok(items_element("blocklist", items));
  }

  // §3.3 block, §3.4 unblock, §3.5 unblock all.
  static Task<IqResult> set(std::shared_ptr<State> st, const IqRequest& req) {
    bool block = req.payload.name() == "block";
    if (!block && req.payload.name() != "unblock") co_return StanzaError::bad_request();
    if (!local_account(st, req)) co_return StanzaError::not_allowed();
    std::vector<std::string> jids;
    for (const Element* item : req.payload.elements("item", ns::kBlocking)) {
      auto j = Jid::parse(item->attr("jid"));
      if (!j) co_return StanzaError::jid_malformed();
      jids.push_back(j->str());
    }
    if (block && jids.empty()) co_return StanzaError::bad_request("block needs at least one item");
    Jid user = req.from.bare();
    BlockStore& store = st->server.storage().blocks();
    std::string key = user.bare_str();
    bool all = !block && jids.empty();
    if (block) {
      auto current = co_await store.list(user.domain(), user.local());
      std::set<std::string> after(current.begin(), current.end());
      after.insert(jids.begin(), jids.end());
      if (std::int64_t(after.size()) > st->max_items)
        co_return StanzaError::not_acceptable("the blocklist is full");
      co_await store.add(user.domain(), user.local(), jids);
      st->changed(key, jids, {}, false);
    } else {
      // Unblocking all: the JIDs that were blocked, for the presence they now get (§3.5).
      std::vector<std::string> was = jids;
      if (all) was = co_await store.list(user.domain(), user.local());  // (GCC: no co_await in ?:)
      co_await store.remove(user.domain(), user.local(), jids);
      st->changed(key, {}, jids, all);
      jids = std::move(was);
    }
    // Pushes to every resource that requested the blocklist (the requester included).
    for (Session* s : st->server.sessions(user)) {
      auto* bs = s->find_state<BlockingState>();
      if (!bs || !bs->requested) continue;
      Element push("iq", ns::kClient);
      push.set_attr("type", "set").set_attr("id", "push-" + st->server.random_id()).set_attr("to", s->jid().str());
      push.add(items_element(block ? "block" : "unblock", all ? std::vector<std::string>{} : jids));
      st->server.send_to_session(*s, push);
    }
    // §3.3 / §3.4: presence to the contacts entitled to it.
    if (!jids.empty()) {
      auto roster = co_await st->server.storage().roster().items(user.domain(), user.local());
      auto receivers = presence_receivers(roster, jids);
      if (!receivers.empty()) st->send_presence(user, receivers, block);
    }
    co_return IqResult::ok();
  }

  std::shared_ptr<State> st_;
};

ModuleInfo describe() {
  ModuleInfo m;
  m.name = "blocking";
  m.summary = "XEP-0191 Blocking Command";
  m.xeps = {"XEP-0191 1.3 complete"};
  m.options = {{"max_items", OptionType::integer, "1000", 1, 100000, "JIDs an account may block"}};
  m.default_hosts = {"accounts"};
  m.create = [](ModuleContext& ctx) { return std::make_unique<BlockingModule>(ctx); };
  return m;
}

XMPPD_REGISTER_MODULE(describe);

}  // namespace
}  // namespace xmppd
