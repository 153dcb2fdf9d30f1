// XEP-0160 Best Practices for Handling Offline Messages: a message for an account with no
// available resource is stored (RFC 6121 §8.5.2.2.1, §8.5.3.2.1) with a XEP-0203 delay, and
// delivered in order when the account next sends initial presence of non-negative priority.
//
// Storing: the incoming message hook takes the message, holds the sender's XEP-0198
// acknowledgement (Session::defer_ack) and queues it for the account; one writer per account
// writes the queue in arrival order, each message in one storage write that also checks that
// the account exists and has room. Only a durable write releases the hold, and every failure
// bounces (never a silent loss). During a database outage the write waits in the storage queue
// (so the sender gets no <a/> for it); what waits is bounded by Storage::admit, and a message
// past that bound is bounced at once with wait/resource-constraint (RFC 6120 §8.3.3.18) and
// never acknowledged as stored.
// Delivering: an outgoing-presence hook above the presence module sees the initial presence
// while the session is still unavailable and spawns the delivery, which runs after the
// presence has been broadcast. Per account, one delivery runs at a time; it lists again when
// messages were stored while it worked, and a write that completes after the account came
// online starts a delivery itself, so nothing is left behind by the race between the two.
#include <ctime>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "xmppd/log.hpp"
#include "xmppd/datetime.hpp"
#include "xmppd/module.hpp"
#include "xmppd/namespaces.hpp"
#include "xmppd/server.hpp"
#include "xmppd/session.hpp"
#include "xmppd/storage.hpp"

namespace xmppd {
namespace {

constexpr char kChatStates[] = "http://jabber.org/protocol/chatstates";  // XEP-0085
constexpr char kStanzaIds[] = "urn:xmpp:sid:0";                          // XEP-0359

// Above the presence module's handler (priority::kNormal), which broadcasts initial presence
// and marks the session available: here the session is still unavailable, so an initial
// presence can be told from an update.
constexpr int kInitialPresencePriority = priority::kRewrite;

// RFC 6121 §4.7.2.3: an integer in -128..127, 0 when absent (or unreadable).
int presence_priority(const Element& presence) {
  const Element* p = presence.child("priority", ns::kClient);
  if (!p) return 0;
  try {
    return std::stoi(p->text());
  } catch (const std::exception&) {
    return 0;
  }
}

enum class Disposition { store, not_ours, drop };

// What happens to a message no resource can take now (RFC 6121 §8.5.2.2.1, XEP-0160 §3,
// XEP-0334 §4).
Disposition disposition(const Element& message) {
  std::string_view type = message.attr("type");
  // XEP-0160 §3: groupchat, headline and error are not stored; the core bounces or drops them.
  if (type == "error" || type == "groupchat" || type == "headline") return Disposition::not_ours;
  // XEP-0334 §4.2/§4.3: the sender asked that it not be kept; the core bounces it, which
  // RFC 6121 §8.5.2.2.1 allows when a message is not stored.
  if (message.child("no-store", ns::kHints) || message.child("no-permanent-store", ns::kHints))
    return Disposition::not_ours;
  if (message.child("store", ns::kHints)) return Disposition::store;  // XEP-0334 §4.4
  // XEP-0160 §3: a message with only chat-state content is not stored. Bouncing a typing
  // notification would only be noise for the sender, so it is dropped.
  if (!message.child("body", ns::kClient)) {
    bool chat_state = false, other = false;
    for (const auto& c : message.children()) {
      if (c.is_text()) continue;
      if (c.ns() == kChatStates) chat_state = true;
      else if (!(c.ns() == ns::kHints || c.ns() == kStanzaIds || c.is("thread", ns::kClient))) other = true;
    }
    if (chat_state && !other) return Disposition::drop;
  }
  return Disposition::store;
}

// A message waiting to be written, with the sender's acknowledgement hold and its admission to
// the bounded storage work.
struct Pending {
  Element message;
  std::shared_ptr<void> ack_hold;
  std::shared_ptr<void> admission;
};

struct AccountState {
  // Written one at a time, in arrival order: concurrent writes could commit (and so be
  // listed) out of order.
  std::deque<Pending> to_write;
  bool writing = false;
  std::uint64_t stored = 0;  // writes completed, to see whether a delivery must list again
  bool delivering = false;
};

// Shared with the coroutines, which may outlive a hook call (and, at shutdown, the module).
struct State {
  Server& server;
  std::string host;
  std::int64_t max_messages;
  std::unordered_map<std::string, AccountState> accounts;  // bare JID -> state

  AccountState& account(const Jid& bare) { return accounts[bare.bare_str()]; }
  void forget_if_idle(const Jid& bare) {
    auto it = accounts.find(bare.bare_str());
    if (it != accounts.end() && !it->second.writing && !it->second.delivering) accounts.erase(it);
  }

  // The resource a message to `bare` would go to now (RFC 6121 §8.5.2.1.1), or nullptr.
  Session* best_available(const Jid& bare) {
    Session* best = nullptr;
    for (Session* s : server.sessions(bare))
      if (s->available && s->priority >= 0 && (!best || s->priority > best->priority)) best = s;
    return best;
  }
};

Task<void> deliver_stored(std::shared_ptr<State> st, Jid full);

void start_delivery(const std::shared_ptr<State>& st, const Jid& full) {
  AccountState& acct = st->account(full.bare());
  // XEP-0160 §2: delivered to the resource that came online; a second resource coming online
  // meanwhile gets the messages stored after this point directly.
  if (acct.delivering) return;
  acct.delivering = true;
  st->server.spawn(deliver_stored(st, full), "offline delivery");
}

// Writes the account's waiting messages in order, one storage write each (which checks the
// account and its quota in the same transaction).
Task<void> write_queue(std::shared_ptr<State> st, Jid bare) {
  OfflineStore& offline = st->server.storage().offline();
  for (;;) {
    if (st->account(bare).to_write.empty()) break;
    Pending p = std::move(st->account(bare).to_write.front());
    st->account(bare).to_write.pop_front();
    std::optional<StanzaError> error;
    try {
      Element stored = p.message;
      std::int64_t now = st->server.now_us();
      stored.add_child("delay", ns::kDelay)
          .set_attr("from", st->host)
          .set_attr("stamp", xep0082_stamp(now))
          .add_text("Offline Storage");
      switch (co_await offline.store(bare.domain(), bare.local(), now, stored.to_string(), st->max_messages)) {
        case OfflineStored::stored:
          break;
        case OfflineStored::no_account:
          error = StanzaError::service_unavailable();  // RFC 6121 §8.5.2.2: no such account
          break;
        case OfflineStored::full:
          // XEP-0160 §2: the offline queue is full.
          error = StanzaError{"cancel", "service-unavailable", "offline message storage is full", {}};
          break;
      }
    } catch (const StorageError& e) {
      log::error("offline", "cannot store a message: ", e.what());
      // RFC 6120 §8.3.3.18: a transient failure (outage ended by a stop, a write whose commit
      // was lost, conflicts beyond the retries) is wait/resource-constraint: the sender may
      // send it again later.
      error = e.transient() ? StanzaError::resource_constraint() : StanzaError::internal_server_error();
    } catch (const std::exception& e) {
      log::error("offline", "cannot store a message: ", e.what());
      error = StanzaError::internal_server_error();
    }
    if (error) {
      st->server.bounce(p.message, *error);
    } else {
      AccountState& acct = st->account(bare);
      ++acct.stored;
      // The account came online while the write was under way: its initial-presence delivery
      // has run (or will list again); if none is running, this message must not wait for the
      // next login.
      if (!acct.delivering)
        if (Session* s = st->best_available(bare)) start_delivery(st, s->jid());
    }
    // p.ack_hold and p.admission are released here: the message is durable (or bounced).
  }
  st->account(bare).writing = false;
  st->forget_if_idle(bare);
}

Task<void> deliver_stored(std::shared_ptr<State> st, Jid full) {
  Jid bare = full.bare();
  OfflineStore& offline = st->server.storage().offline();
  try {
    for (;;) {
      std::uint64_t seen = st->account(bare).stored;
      auto messages = co_await offline.list(bare.domain(), bare.local());
      Session* session = st->server.session(full);  // it may have ended while we waited
      if (!session) break;
      std::vector<std::int64_t> done;
      for (const auto& m : messages) {
        if (auto stanza = parse_element(m.xml)) st->server.send_to_session(*session, *stanza);
        else log::error("offline", "dropping stored message ", m.id, ": it does not parse");
        done.push_back(m.id);
      }
      if (!done.empty()) co_await offline.remove(bare.domain(), bare.local(), std::move(done));
      if (st->account(bare).stored == seen) break;
    }
  } catch (const std::exception& e) {
    // What was not removed stays stored for the next initial presence.
    log::error("offline", "delivery of stored messages failed: ", e.what());
  }
  st->account(bare).delivering = false;
  st->forget_if_idle(bare);
}

class OfflineModule final : public Module {
 public:
  explicit OfflineModule(ModuleContext& ctx)
      : st_(std::make_shared<State>(State{ctx.server(), ctx.host(), ctx.options().integer("max_messages"), {}})) {
    ctx.add_feature(ns::kOffline);
    auto incoming = [this](StanzaEvent& ev) { return on_message(ev); };
    ctx.on_stanza({StanzaKind::message, Hop::incoming, Target::bare}, priority::kNormal, incoming);
    ctx.on_stanza({StanzaKind::message, Hop::incoming, Target::full}, priority::kNormal, incoming);
    ctx.on_stanza({StanzaKind::presence, Hop::outgoing, Target::bare}, kInitialPresencePriority,
                  [this](StanzaEvent& ev) { return on_presence(ev); });
  }

 private:
  Flow on_message(StanzaEvent& ev) {
    if (ev.to.local().empty()) return Flow::next;
    // RFC 6121 §8.5.3.1: a message to a connected resource goes to it; otherwise a full JID
    // is treated as the bare JID (§8.5.3.2.1).
    if (!ev.to.is_bare() && st_->server.session(ev.to)) return Flow::next;
    if (st_->best_available(ev.to.bare())) return Flow::next;  // §8.5.2.1.1: the core delivers
    switch (disposition(ev.stanza)) {
      case Disposition::not_ours:
        return Flow::next;
      case Disposition::drop:
        return Flow::stop;
      case Disposition::store:
        break;
    }
    // Pending storage work is bounded (a database outage must not fill memory): past the bound
    // the sender learns at once that it may try again later (RFC 6120 §8.3.3.18), and no <a/>
    // claims the message is kept.
    std::shared_ptr<void> admission = st_->server.storage().admit(ev.stanza.to_string().size());
    if (!admission) {
      st_->server.bounce(ev.stanza, StanzaError::resource_constraint());
      return Flow::stop;
    }
    // XEP-0198: no <a/> may cover this message before it is durable.
    std::shared_ptr<void> hold = ev.origin ? ev.origin->defer_ack() : nullptr;
    Jid bare = ev.to.bare();
    AccountState& acct = st_->account(bare);
    acct.to_write.push_back(Pending{ev.stanza, std::move(hold), std::move(admission)});
    if (!acct.writing) {
      acct.writing = true;
      st_->server.spawn(write_queue(st_, bare), "offline store");
    }
    return Flow::stop;
  }

  Flow on_presence(StanzaEvent& ev) {
    // RFC 6121 §4.2: initial presence is a client's first available presence, without 'to'.
    Session* s = ev.origin;
    if (!s || s->available || ev.stanza.has_attr("to") || ev.stanza.has_attr("type")) return Flow::next;
    if (presence_priority(ev.stanza) < 0) return Flow::next;  // XEP-0160 §2: non-negative only
    start_delivery(st_, s->jid());
    return Flow::next;
  }

  std::shared_ptr<State> st_;
};

ModuleInfo describe() {
  ModuleInfo m;
  m.name = "offline";
  m.summary = "XEP-0160 offline message storage";
  m.xeps = {"XEP-0160 1.0.1 complete", "XEP-0203 2.0 (delay on stored messages)",
            "XEP-0334 0.3 (no-store, no-permanent-store, store hints)"};
  m.options = {{"max_messages", OptionType::integer, "1000", 1, 1000000,
                "messages kept per account; beyond it new ones are bounced with service-unavailable"}};
  m.default_hosts = {"accounts"};
  m.create = [](ModuleContext& ctx) { return std::make_unique<OfflineModule>(ctx); };
  return m;
}

XMPPD_REGISTER_MODULE(describe);

}  // namespace
}  // namespace xmppd
