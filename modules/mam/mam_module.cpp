// XEP-0313 Message Archive Management for accounts, with XEP-0359 stanza ids, XEP-0059 result
// set management and XEP-0431 full-text search, over the one archive (Server::archive()).
//
// Archiving: the message hooks (rewrite band, after policy modules such as blocking) see each
// message a local account sends (outgoing hop) or receives (incoming hop, also when it goes to
// offline storage) before fan-out. For the receiver, <stanza-id/> elements claiming to be ours
// are removed (XEP-0359 §5) and, when the message is archived, a new one carries the archive id
// the router then delivers. Whether a message is archived follows the owner's preferences
// (§6), cached per account once read; while they are being read (first message since start),
// or when the default is "roster", the id is reserved at once and the decision completes in a
// coroutine, so the router never waits. The sender's XEP-0198 acknowledgement is held until the
// record is committed.
// Queries (§4) read the owner's own archive only; results are sent to the asking resource,
// then the IQ result with <fin/>. A purge job deletes what is older than the retention period.
// On a room host (one where a MUC module offers MucRooms) the account rules step aside: the
// module provides the rooms' RoomHistory and RoomArchive (room_archive.hpp) instead, and the
// MUC module, which owns every stanza to a room, uses them.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "mam_prefs.hpp"
#include "mam_query.hpp"
#include "room_archive.hpp"
#include "xmppd/archive.hpp"
#include "xmppd/asio.hpp"
#include "xmppd/host_archive.hpp"
#include "xmppd/log.hpp"
#include "xmppd/module.hpp"
#include "xmppd/muc.hpp"
#include "xmppd/namespaces.hpp"
#include "xmppd/periodic_job.hpp"
#include "xmppd/server.hpp"
#include "xmppd/session.hpp"
#include "xmppd/storage.hpp"

namespace xmppd {
namespace {

using namespace mam;

constexpr char kPrefsKey[] = "urn:xmpp:mam:2 prefs";  // in the account's XML store
constexpr char kDataClass[] = "message";

// XEP-0313 §5.1.1 (business storage rules): messages of type normal or chat with a body; not
// groupchat (the room archives those), error or headline; XEP-0334 hints are followed.
bool archivable(const Element& message) {
  std::string_view type = message.attr("type");
  if (type == "error" || type == "groupchat" || type == "headline") return false;
  if (message.child("no-store", ns::kHints) || message.child("no-permanent-store", ns::kHints)) return false;
  if (message.child("store", ns::kHints)) return true;
  return message.child("body", ns::kClient) != nullptr;
}

struct State {
  Server& server;
  std::string host;
  DefaultMode default_mode;
  std::size_t max_page;
  std::chrono::milliseconds retention, purge_interval;
  std::chrono::milliseconds room_period_max;  // the longest a room's own period counts
  // Accounts whose preferences were read (so the account exists): bare JID -> preferences.
  std::unordered_map<std::string, Prefs> prefs;
};

// The owner's preferences, read once; nullopt when there is no such account.
Task<std::optional<Prefs>> load_prefs(std::shared_ptr<State> st, Jid owner) {
  if (auto it = st->prefs.find(owner.bare_str()); it != st->prefs.end()) co_return it->second;
  Storage& storage = st->server.storage();
  if (!co_await storage.accounts().find(owner.domain(), owner.local())) co_return std::nullopt;
  Prefs prefs{st->default_mode, {}, {}};
  if (auto xml = co_await storage.xml().get(owner.domain(), owner.local(), kPrefsKey))
    if (auto e = parse_element(*xml))
      if (auto p = read_prefs(*e)) prefs = *p;
  co_return st->prefs.try_emplace(owner.bare_str(), prefs).first->second;
}

// Keeps the sender's XEP-0198 acknowledgement hold until the record is durable. A function of
// its own: GCC 12 mishandles lambdas capturing a coroutine's parameters.
std::function<void(std::exception_ptr)> release_when_durable(std::shared_ptr<void> hold) {
  return [hold = std::move(hold)](std::exception_ptr) {};
}

// Completes a reserved id once the preferences (and, for "roster", the roster) are known.
Task<void> decide_later(std::shared_ptr<State> st, std::int64_t id, ArchiveRecord record, Jid owner, Jid with,
                        std::shared_ptr<void> ack_hold) {
  Archive& archive = st->server.archive();
  bool keep = true;
  try {
    auto prefs = co_await load_prefs(st, owner);
    if (!prefs) {
      keep = false;  // no such account: the message is bounced, nothing to archive
    } else {
      Decision d = decide(*prefs, with);
      if (d == Decision::when_in_roster) {
        auto item = co_await st->server.storage().roster().item(owner.domain(), owner.local(), with.bare_str());
        d = item && !item->hidden ? Decision::archive : Decision::skip;
      }
      keep = d == Decision::archive;
    }
  } catch (const std::exception& e) {
    // Better kept against the preferences than lost: archived, and said so.
    log::error("mam", "archiving preferences could not be read, archiving by default: ", e.what());
  }
  if (keep) archive.commit(id, std::move(record), release_when_durable(ack_hold));
  else archive.release(id);
}

class MamModule final : public Module {
 public:
  explicit MamModule(ModuleContext& ctx)
      : st_(std::make_shared<State>(make_state(ctx))),
        rooms_(ctx.server(), st_->host, st_->max_page,
               RoomRetention{std::chrono::duration_cast<std::chrono::seconds>(st_->retention),
                             std::chrono::duration_cast<std::chrono::seconds>(st_->room_period_max)}) {
    ctx.provide<RoomHistory>(rooms_);
    ctx.provide<RoomArchive>(rooms_);
    for (const char* f : {kMam, kMamExtended, kFulltext, kStanzaId}) {
      ctx.add_account_feature(f);  // §7: on the account's bare JID
      ctx.add_feature(f);
    }
    auto incoming = [this](StanzaEvent& ev) { return on_incoming(ev); };
    ctx.on_stanza({StanzaKind::message, Hop::incoming, Target::bare}, priority::kRewrite, incoming);
    ctx.on_stanza({StanzaKind::message, Hop::incoming, Target::full}, priority::kRewrite, incoming);
    auto outgoing = [this](StanzaEvent& ev) { return on_outgoing(ev); };
    for (Target t : {Target::host, Target::bare, Target::full})
      ctx.on_stanza({StanzaKind::message, Hop::outgoing, t}, priority::kRewrite, outgoing);
    auto iq = [this](const IqRequest& req) { return on_iq(req); };
    for (IqScope scope : {IqScope::host, IqScope::account}) {
      ctx.on_iq(IqType::get, kMam, scope, iq);
      ctx.on_iq(IqType::set, kMam, scope, iq);
    }
    ctx.on<AccountDeleted>(priority::kNormal, [this](AccountDeleted& ev) {
      st_->prefs.erase(ev.username + "@" + ev.host);
    });
    purge_.emplace(st_->server, st_->purge_interval, [st = st_] { return purge(st); }, "archive purge");
  }

 private:
  static State make_state(ModuleContext& ctx) {
    const Options& o = ctx.options();
    auto mode = mode_from_string(o.string("default_mode"));
    if (!mode) throw std::runtime_error("default_mode: expected always, never or roster");
    auto retention = o.duration("archive_expires_after");
    // Privacy by default (DESIGN.md): unless the operator says otherwise, a room may shorten the
    // host's period but not lengthen it.
    auto room_max = o.duration("room_archive_expires_after_max");
    if (room_max.count() == 0) room_max = retention;
    return State{ctx.server(), ctx.host(), *mode, static_cast<std::size_t>(o.integer("max_page")),
                 retention, o.duration("purge_interval"), room_max, {}};
  }

  // A period in microseconds, saturated: a period of centuries must not wrap into the past.
  static std::int64_t microseconds(std::chrono::milliseconds d) {
    return d.count() > INT64_MAX / 1000 ? INT64_MAX : d.count() * 1000;
  }

  // Modules start in any order, so this is asked when a stanza comes, not at start.
  bool room_host() { return st_->server.service<MucRooms>(st_->host) != nullptr; }

  Flow on_incoming(StanzaEvent& ev) {
    if (ev.to.local().empty() || room_host()) return Flow::next;
    Jid owner = ev.to.bare();
    // XEP-0359 §5: a <stanza-id/> by our archive that we did not add is a forgery.
    auto& children = ev.stanza.children();
    std::erase_if(children, [&](const Element& c) {
      return c.is("stanza-id", kStanzaId) && c.attr("by") == owner.bare_str();
    });
    if (archivable(ev.stanza)) archive(owner, ev.from, ArchiveDirection::incoming, ev, true);
    return Flow::next;
  }

  Flow on_outgoing(StanzaEvent& ev) {
    if (!ev.origin || ev.from.local().empty() || room_host()) return Flow::next;
    if (archivable(ev.stanza)) archive(ev.from.bare(), ev.to, ArchiveDirection::outgoing, ev, false);
    return Flow::next;
  }

  void archive(const Jid& owner, const Jid& with, ArchiveDirection direction, StanzaEvent& ev, bool stamp) {
    Decision d = Decision::archive;
    auto cached = st_->prefs.find(owner.bare_str());
    if (cached != st_->prefs.end()) {
      d = decide(cached->second, with);
      if (d == Decision::skip) return;
    }
    ArchiveRecord record;
    record.owner = owner.bare_str();
    record.with = with.bare_str();
    record.with_resource = with.resource();
    record.direction = direction;
    record.xml = ev.stanza.to_string();  // before the stanza-id: the result carries the id
    record.text = ev.stanza.child_text("body", ns::kClient);
    record.data_class = kDataClass;
    Archive& archive = st_->server.archive();
    std::int64_t id = archive.reserve();
    if (stamp) {
      // XEP-0359 §4, XEP-0313 §5.1.2: the id under which the receiver's archive keeps it.
      ev.stanza.add_child("stanza-id", kStanzaId)
          .set_attr("by", owner.bare_str())
          .set_attr("id", std::to_string(id));
    }
    // XEP-0198: no <a/> may cover the message before its archive record is durable.
    std::shared_ptr<void> hold = ev.origin ? ev.origin->defer_ack() : nullptr;
    if (cached != st_->prefs.end() && d == Decision::archive) {
      archive.commit(id, std::move(record), release_when_durable(std::move(hold)));
      return;
    }
    st_->server.spawn(decide_later(st_, id, std::move(record), owner, with, std::move(hold)), "archive decision");
  }

  Task<IqResult> on_iq(const IqRequest& req) {
    // A room host has no accounts: rooms are queried at their own JIDs (the MUC module); the
    // host itself only where a service there searches its records (xmppd/host_archive.hpp).
    if (room_host()) {
      auto* search = req.to.local().empty() ? st_->server.service<HostArchiveSearch>(req.to.domain()) : nullptr;
      if (search && req.payload.name() == "query") co_return co_await search->query(req);
      co_return StanzaError::service_unavailable();
    }
    // §4: a user's archive is read and configured only by that user.
    Jid owner = req.to.local().empty() ? req.from.bare() : req.to.bare();
    if (owner.bare_str() != req.from.bare_str()) co_return StanzaError::forbidden();
    if (req.payload.name() == "prefs") co_return co_await on_prefs(req, owner);
    if (req.payload.name() != "query") co_return StanzaError::bad_request();
    if (req.type == IqType::get) {
      // §5.1: the fields this archive can be queried by.
      Element q("query", kMam);
      q.add(query_form());
      co_return IqResult::ok(std::move(q));
    }
    auto parsed = read_query(req.payload, owner.bare_str(), st_->max_page);
    if (auto* error = std::get_if<StanzaError>(&parsed)) co_return *error;
    std::string queryid(req.payload.attr("queryid"));
    Jid asker = req.from;
    ArchivePage page = co_await st_->server.archive().query(std::move(std::get<ArchiveQuery>(parsed)));
    // §4.2: the results, then (§4.3) the IQ result; the session may have ended meanwhile.
    Session* session = st_->server.session(asker);
    if (!session) co_return IqResult::ok(mam_fin(page));
    for (const auto& r : page.records)
      st_->server.send_to_session(*session, mam_result_message(r, queryid, owner.bare_str(), asker.str()));
    co_return IqResult::ok(mam_fin(page));
  }

  Task<IqResult> on_prefs(const IqRequest& req, Jid owner) {
    std::shared_ptr<State> st = st_;
    if (req.type == IqType::get) {
      auto prefs = co_await load_prefs(st, owner);
      if (!prefs) co_return StanzaError::item_not_found();
      co_return IqResult::ok(prefs_element(*prefs));
    }
    auto prefs = read_prefs(req.payload);
    if (!prefs) co_return StanzaError::bad_request("default must be always, never or roster");
    co_await st->server.storage().xml().set(owner.domain(), owner.local(), kPrefsKey,
                                            prefs_element(*prefs).to_string());
    st->prefs[owner.bare_str()] = *prefs;
    co_return IqResult::ok(prefs_element(*prefs));  // §6.1: the preferences now in force
  }

  // Retention (DESIGN.md privacy): every purge_interval, what is older than the period goes: the
  // host's, or a room's own (XEP-0045 configuration form, at most room_archive_expires_after_max).
  static Task<void> purge(std::shared_ptr<State> st) {
    ArchivePurge p;
    p.data_class = kDataClass;
    p.host = st->host;
    p.now_us = st->server.now_us();
    p.before_us = *p.now_us - microseconds(st->retention);
    p.own_period_max_us = microseconds(st->room_period_max);
    std::int64_t n = co_await st->server.archive().purge(std::move(p));
    if (n > 0) log::info("mam", "purged ", n, " archived messages past retention");
  }

  std::shared_ptr<State> st_;
  RoomArchiveService rooms_;
  std::optional<PeriodicJob> purge_;  // last: stopped before the state it uses goes
};

ModuleInfo describe() {
  ModuleInfo m;
  m.name = "mam";
  m.summary = "XEP-0313 message archive with XEP-0431 full-text search";
  m.xeps = {"XEP-0313 1.1 (user archives, preferences, #extended)", "XEP-0359 0.7 (stanza-id)",
            "XEP-0059 1.0 (after, before, max, count, first index)", "XEP-0431 0.2 (fulltext field)"};
  m.options = {
      {"default_mode", OptionType::string, "always",
       0, INT64_MAX, "XEP-0313 §6 default for accounts that set no preferences: always, never or roster"},
      {"max_page", OptionType::integer, "250", 1, 10000, "most results in one page; a larger <max/> is cut to it"},
      {"archive_expires_after", OptionType::duration, "730d", 3600000, INT64_MAX,
       "messages of this host's archives (accounts, rooms) older than this are purged (data class 'message'; each host has its own period)"},
      {"purge_interval", OptionType::duration, "1h", 1000, INT64_MAX, "how often the purge job runs"},
      {"room_archive_expires_after_max", OptionType::duration, "0s", 0, INT64_MAX,
       "the longest archive period a room's owner may choose in the room's configuration; 0s: "
       "archive_expires_after (a room may shorten its host's period, not lengthen it)"},
  };
  m.default_hosts = {"accounts", "conference", "service"};  // rooms (conversations on chat.D too): history and archive
  m.create = [](ModuleContext& ctx) { return std::make_unique<MamModule>(ctx); };
  return m;
}

XMPPD_REGISTER_MODULE(describe);

}  // namespace
}  // namespace xmppd
