// XEP-0045 Multi-User Chat, the service side: joining and leaving (§7.2, §7.14), nick and
// status changes (§7.6, §7.7), groupchat and private messages (§7.4, §7.5), invitations
// (§7.8.2), subject (§8.1), moderation (§8.2-§8.5), affiliations (§9, §10.3-§10.7),
// configuration (§10.1-§10.2), destruction (§10.9), service and room discovery (§6).
#include "muc_host.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <set>

#include "xmppd/log.hpp"
#include "xmppd/datetime.hpp"
#include "xmppd/namespaces.hpp"
#include "xmppd/session.hpp"
#include "xmppd/storage.hpp"

namespace xmppd::muc {
namespace {

StanzaError registration_required() { return {"auth", "registration-required", {}, {}}; }

void status(Element& x, int code) { x.add_child("status", kMucUser).set_attr("code", std::to_string(code)); }

std::string occupant_jid(const Jid& room, const std::string& nick) { return room.bare_str() + "/" + nick; }

// The presence children an occupant's clients see (show, status, priority, caps …): the
// client's own MUC elements are the service's to write.
Element presence_payload(const Element& presence) {
  Element payload("presence", ns::kClient);
  for (const auto& c : presence.children()) {
    if (c.is_text() || c.ns() == kMuc || c.ns() == kMucUser) continue;
    payload.add(c);
  }
  return payload;
}

std::optional<std::uint64_t> uint_attr(const Element& e, std::string_view name) {
  if (!e.has_attr(name)) return std::nullopt;
  try {
    long long v = std::stoll(std::string(e.attr(name)));
    return v < 0 ? 0 : static_cast<std::uint64_t>(v);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

struct PresenceNote {
  bool unavailable = false;
  std::vector<int> all, self;  // status codes for everyone / for the occupant itself
  std::string new_nick, actor, reason;
};

MucHost::MucHost(Server& server, MucSettings settings)
    : server_(server),
      settings_(std::move(settings)),
      memory_(settings_.history_max, [&server] { return server.random_id(); }) {}

MucHost::~MucHost() {
  *alive_ = false;
  // §15.6.2 status 332: the service is going away and takes its occupants out.
  for (auto& [name, room] : rooms_) {
    for (auto& occ : room->occupants()) {
      occ.role = MucRole::none;
      Element p = occupant_presence(*room, occ, true);
      p.set_attr("type", "unavailable");
      Element* x = p.child("x", kMucUser);
      status(*x, 110);
      status(*x, 332);
      send_to_occupant(*room, occ, p);
    }
  }
}

void MucHost::start() { server_.spawn(load(), "muc: loading rooms"); }

Task<void> MucHost::load() {
  auto alive = alive_;
  std::vector<MucRoomRecord> records;
  bool read = false;
  try {
    records = co_await server_.storage().muc().rooms(settings_.host);
    read = true;
  } catch (const std::exception& e) {
    log::error("muc", "cannot load the rooms of ", settings_.host, ": ", e.what());
  }
  if (!*alive) co_return;
  for (auto& r : records) {
    auto jid = Jid::from_parts(r.name, settings_.host);
    if (!jid) continue;
    MucRoomConfig config = config_from_json(r.config, settings_.defaults);
    config.persistent = true;
    auto room = new_room(*jid, config);
    room->set_created_us(created_from_json(r.config));
    room->set_subject(r.subject, r.subject_nick);
    for (const auto& [user, aff] : r.affiliations) {
      auto j = Jid::parse(user);
      auto a = muc_affiliation_from(aff);
      if (j && a) room->set_affiliation(*j, *a);
    }
    rooms_[jid->local()] = std::move(room);
  }
  log::info("muc", "rooms loaded on ", settings_.host, ": ", records.size());
  loaded_ = true;
  // The archive keeps the rooms' own periods; a room that did not survive the restart (a
  // temporary one) ended with it, and a stored one may have been written without its period.
  // Not after a failed read: the rooms are there, only unknown.
  RoomArchive* archive = read ? room_archive() : nullptr;
  if (archive) {
    std::vector<RoomPeriod> periods;
    for (auto& entry : rooms_) {
      // The operator may have lowered the bound since.
      entry.second->set_config(bound_period(entry.second->config()));
      periods.push_back(period_of(*entry.second));
    }
    archive->rooms_loaded(periods);
  }
  auto waiting = std::move(waiting_);
  waiting_.clear();
  for (auto& st : waiting) server_.route(std::move(st));
}

RoomHistory* MucHost::archive_history() { return server_.service<RoomHistory>(settings_.host); }

RoomHistory& MucHost::history_for(const Room& room) {
  RoomHistory* archive = archive_history();
  return archive && room.config().logging ? *archive : memory_;
}

void MucHost::forget_history(const Room& room) {
  memory_.forget(room.jid());
  if (RoomHistory* archive = archive_history()) archive->forget(room.jid());
  // The records the room left keep its period (the archive keeps them until it has passed).
  if (RoomArchive* archive = room_archive()) archive->room_ended(period_of(room));
}

RoomArchive* MucHost::room_archive() { return server_.service<RoomArchive>(settings_.host); }

std::optional<RoomRetention> MucHost::retention() {
  RoomArchive* archive = room_archive();
  if (!archive) return std::nullopt;
  return archive->retention();
}

MucRoomConfig MucHost::bound_period(MucRoomConfig c) {
  auto r = retention();
  if (r && c.archive_period && *c.archive_period > r->max_period) c.archive_period = r->max_period;
  return c;
}

Room* MucHost::find(const std::string& name) {
  auto it = rooms_.find(name);
  return it == rooms_.end() ? nullptr : it->second.get();
}

std::unique_ptr<Room> MucHost::new_room(const Jid& jid, MucRoomConfig config) {
  config.history_fetch = std::min(config.history_fetch, settings_.history_max);
  auto room = std::make_unique<Room>(jid.bare(), std::move(config));
  room->set_created_us(server_.now_us());
  return room;
}

// ---------------------------------------------------------------------------------------------
// Stanzas out

Element MucHost::occupant_presence(const Room& room, const Occupant& occ, bool with_jid) const {
  Element p = occ.presence.name().empty() ? Element("presence", ns::kClient) : occ.presence;
  p.set_attr("from", occupant_jid(room.jid(), occ.nick));
  Element& x = p.add_child("x", kMucUser);
  Element& item = x.add_child("item", kMucUser);
  item.set_attr("affiliation", to_string(room.affiliation(occ.bare))).set_attr("role", to_string(occ.role));
  if (with_jid && !occ.resources.empty()) item.set_attr("jid", occ.bare.bare_str() + "/" + occ.resources.front());
  return p;
}

void MucHost::broadcast_presence(Room& room, Occupant& occ, const std::vector<int>& self_codes,
                                 const std::vector<int>& all_codes) {
  PresenceNote note;
  note.self = self_codes;
  note.all = all_codes;
  auto make = [&](bool with_jid, bool self) {
    Element p = occupant_presence(room, occ, with_jid);
    Element& x = *p.child("x", kMucUser);
    for (int c : note.all) status(x, c);
    if (self) {
      status(x, 110);
      for (int c : note.self) status(x, c);
    }
    return p;
  };
  // §7.2.3 example: one's own presence carries one's JID only where one may see JIDs.
  Element anon = make(false, false), named = make(true, false), self = make(room.sees_real_jids(occ), true);
  for (auto& r : room.occupants()) {
    if (&r == &occ || !room.sees(r, occ)) continue;
    send_to_occupant(room, r, room.sees_real_jids(r) ? named : anon);
  }
  send_to_occupant(room, occ, self);
}

// An occupant leaves (role none): everyone, the occupant included, gets its unavailable
// presence with `note` (§7.14 leave, §7.6 nick change, §8.2 kick, §9.1 ban …).
static void decorate(Element& p, const PresenceNote& note, bool self) {
  p.set_attr("type", "unavailable");
  Element& x = *p.child("x", kMucUser);
  Element& item = *x.child("item", kMucUser);
  if (!note.new_nick.empty()) item.set_attr("nick", note.new_nick);
  if (!note.actor.empty()) item.add_child("actor", kMucUser).set_attr("nick", note.actor);
  if (!note.reason.empty()) item.add_child("reason", kMucUser).add_text(note.reason);
  for (int c : note.all) status(x, c);
  if (self) {
    status(x, 110);
    for (int c : note.self) status(x, c);
  }
}

void MucHost::send_to_occupant(const Room&, const Occupant& occ, Element& stanza) {
  for (const auto& res : occ.resources) send_to(occ.bare.with_resource(res), stanza);
}

// The fan-out: one stanza built once, only 'to' changes per recipient, and a local session gets
// it directly (no copy of the tree per recipient).
void MucHost::send_to(const Jid& full, Element& stanza) {
  if (!joining_.empty()) {
    std::string_view from = stanza.attr("from");
    if (auto* held = joining(from.substr(0, from.find('/')), full)) {
      held->push_back(stanza);  // sent after the history (send_history_and_subject)
      return;
    }
  }
  stanza.set_attr("to", full.str());
  if (Session* s = server_.session(full)) {
    server_.send_to_session(*s, stanza);
    return;
  }
  server_.route(stanza);
}

void MucHost::reply(const Element& iq, IqResult result) {
  if (result.error()) {
    server_.bounce(iq, *result.error());
    return;
  }
  Element r("iq", ns::kClient);
  r.set_attr("type", "result").set_attr("id", std::string(iq.attr("id")));
  r.set_attr("from", std::string(iq.attr("to"))).set_attr("to", std::string(iq.attr("from")));
  if (result.payload()) r.add(*result.payload());
  server_.route(std::move(r));
}

// Stanzas that arrive while the rooms are still loading wait, and are routed again in order once
// they are loaded (load()).
bool MucHost::held_until_loaded(const StanzaEvent& ev) {
  if (loaded_) return false;
  waiting_.push_back(ev.stanza);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Presence

Flow MucHost::on_presence(StanzaEvent& ev) {
  if (held_until_loaded(ev)) return Flow::stop;
  const Element& st = ev.stanza;
  std::string type(st.attr("type"));
  Room* room = find(ev.to.local());
  Occupant* occ = room ? room->by_session(ev.from) : nullptr;
  if (type == "unavailable" || type == "error") {
    // §7.14 leave; an error from the client's side means it is not there any more.
    if (occ) {
      leave(*room, ev.from, st);
      drop_if_unused(*room);
    }
    return Flow::stop;
  }
  if (!type.empty()) return Flow::stop;  // subscriptions and probes mean nothing to a room
  if (ev.to.is_bare()) {
    server_.bounce(st, StanzaError::jid_malformed());  // §7.2.1: a nick is required
    return Flow::stop;
  }
  if (ev.from.is_bare()) {
    server_.bounce(st, StanzaError::not_acceptable());
    return Flow::stop;
  }
  const std::string& nick = ev.to.resource();
  const Element* x = st.child("x", kMuc);
  if (occ) {
    if (occ->nick == nick) {
      occ->presence = presence_payload(st);
      if (x) {
        // A client joining again while the room still has it (it reconnected, or XEP-0410 told
        // it to rejoin): it gets the occupants, its own presence, history and subject again.
        JoinOptions again;
        again.check_password = again.check_membership = false;
        again.history = x->child("history", kMuc);
        join(*room, ev.from, nick, st, false, again);
      } else {
        broadcast_presence(*room, *occ, {}, {});  // §7.7: a change of availability status
      }
      return Flow::stop;
    }
    Occupant* other = room->by_nick(nick);
    if (other && !(other->bare == occ->bare)) {
      server_.bounce(st, StanzaError::conflict());  // §7.6: the new nick is taken
    } else if (other || occ->resources.size() > 1) {
      server_.bounce(st, StanzaError::not_acceptable());  // one client of several cannot rename all
    } else {
      occ->presence = presence_payload(st);
      change_nick(*room, *occ, nick);
    }
    return Flow::stop;
  }
  bool created = false;
  if (!room) {
    bool anonymous = ev.origin && ev.origin->anonymous();
    bool may = !anonymous || settings_.anonymous_may_create;
    if (may && !settings_.creators.empty()) {
      may = false;
      for (const auto& c : settings_.creators) may |= c == ev.from.bare_str() || c == ev.from.domain();
    }
    if (!may) {
      server_.bounce(st, StanzaError::not_allowed());  // §10.1.1: room creation is restricted
      return Flow::stop;
    }
    auto fresh = new_room(ev.to, settings_.defaults);
    fresh->set_affiliation(ev.from, MucAffiliation::owner);
    // §10.1.1: a MUC client gets a locked room to configure; a client that does not speak MUC
    // (no <x/>, §7.2.1 "groupchat 1.0") gets an instant room it can use at once.
    fresh->set_locked(x != nullptr);
    room = fresh.get();
    rooms_[ev.to.local()] = std::move(fresh);
    created = true;
  }
  JoinOptions options;
  options.history = x ? x->child("history", kMuc) : nullptr;
  // §7.2.2 status 210: the nick was prepared (RFC 7622 §3.4, e.g. normalised) into another form.
  std::string_view asked = st.attr("to");
  options.nick_prepared = asked.substr(asked.find('/') + 1) != nick;
  if (auto error = join(*room, ev.from, nick, st, created, options)) {
    server_.bounce(st, *error);
    if (created) rooms_.erase(ev.to.local());
  }
  return Flow::stop;
}

std::optional<StanzaError> MucHost::join(Room& room, const Jid& user, const std::string& nick,
                                         const Element& presence, bool created, const JoinOptions& o) {
  MucAffiliation aff = room.affiliation(user);
  if (room.locked() && aff != MucAffiliation::owner) return StanzaError::item_not_found();  // §10.1.1
  if (aff == MucAffiliation::outcast) return StanzaError::forbidden();                      // §7.2.8
  Occupant* same = room.by_nick(nick);
  if (same && !(same->bare == user.bare())) return StanzaError::conflict();  // §7.2.9
  if (o.check_membership && room.config().members_only && aff < MucAffiliation::member)
    return registration_required();  // §7.2.7
  if (o.check_password && room.config().password_protected && aff != MucAffiliation::owner) {
    const Element* x = presence.child("x", kMuc);
    if (!x || x->child_text("password", kMuc) != room.config().password) return StanzaError::not_authorized();  // §7.2.6
  }
  if (!same && room.config().max_users && room.occupants().size() >= room.config().max_users &&
      aff < MucAffiliation::admin)
    return StanzaError::service_unavailable();  // §7.2.10

  MucRole role = room.default_role(aff);
  bool sees = room.config().non_anonymous || role == MucRole::moderator;
  // §7.2.3: the occupants already there, then the newcomer's own presence (§7.2.4-§7.2.5).
  for (auto& other : room.occupants()) {
    if (&other == same) continue;
    // A hidden occupant (set_hidden) is shown to staff only.
    if (aff < MucAffiliation::admin && room.has_hidden() && room.hidden(other.bare)) continue;
    Element p = occupant_presence(room, other, sees);
    send_to(user, p);
  }
  std::vector<int> self_codes;
  if (room.config().non_anonymous) self_codes.push_back(100);  // §7.2.4
  if (room.config().logging) self_codes.push_back(170);        // §7.2.12
  if (created) self_codes.push_back(201);                      // §10.1.1
  if (o.nick_prepared) self_codes.push_back(210);              // §7.2.2
  if (same) {
    // Another client of the same user under the same nick joins the occupant silently (or the
    // same client joins again).
    if (std::find(same->resources.begin(), same->resources.end(), user.resource()) == same->resources.end())
      same->resources.push_back(user.resource());
    Element p = occupant_presence(room, *same, room.sees_real_jids(*same));
    Element& x = *p.child("x", kMucUser);
    status(x, 110);
    for (int c : self_codes) status(x, c);
    send_to(user, p);
  } else {
    room.occupants().push_back(Occupant{nick, user.bare(), {user.resource()}, role, presence_payload(presence)});
    broadcast_presence(room, room.occupants().back(), self_codes, {});
  }
  // The owner of a locked room gets the (empty) subject too: clients take the subject as the
  // end of the join (§7.2.16), and would otherwise wait for it until they configure the room.
  // §7.2.15 history, then §7.2.16 the subject.
  HistoryRequest request;
  request.room_limit = room.config().history_fetch;
  if (const Element* h = o.history) {
    request.max_chars = uint_attr(*h, "maxchars");
    request.max_stanzas = uint_attr(*h, "maxstanzas");
    if (auto s = uint_attr(*h, "seconds")) request.since_us = server_.now_us() - static_cast<std::int64_t>(*s) * 1'000'000;
    if (h->has_attr("since"))
      if (auto since = parse_xep0082(h->attr("since")))
        request.since_us = std::max(request.since_us.value_or(*since), *since);
  }
  // Nothing of an earlier room of the same name (the archive keeps it until retention).
  if (room.created_us() > 0) request.since_us = std::max(request.since_us.value_or(0), room.created_us());
  // Until the history is out, what the room sends this client waits (send_to), so that live
  // messages come after the history and the subject, never before them or twice.
  joining_[room.jid().bare_str()].push_back({user, {}});
  server_.spawn(send_history_and_subject(room.jid(), user, request), "muc: history on join");
  return std::nullopt;
}

std::vector<Element>* MucHost::joining(std::string_view room_bare, const Jid& user) {
  auto it = joining_.find(room_bare);
  if (it == joining_.end()) return nullptr;
  for (Joining& j : it->second)
    if (j.user == user) return &j.held;
  return nullptr;
}

Task<void> MucHost::send_history_and_subject(Jid room_jid, Jid user, HistoryRequest request) {
  auto alive = alive_;
  std::vector<RoomMessage> messages;
  if (Room* room = find(room_jid.local())) {
    RoomHistory& history = history_for(*room);
    if (&history == &memory_) {
      messages = memory_.select(room_jid, request);
    } else {
      try {
        messages = co_await history.recent(room_jid, request);
      } catch (const std::exception& e) {
        // The join itself stands; only the history is missing (the subject still ends it).
        log::error("muc", "room history could not be read: ", e.what());
      }
    }
  }
  if (!*alive) co_return;
  // What the room sent this client while the history was read: sent after it, in order. A
  // message among them may also be in the history (the archive is read after it was written):
  // it is left out of the history.
  std::vector<Element> live;
  if (auto it = joining_.find(room_jid.bare_str()); it != joining_.end()) {
    auto& list = it->second;
    auto j = std::find_if(list.begin(), list.end(), [&](const Joining& x) { return x.user == user; });
    if (j != list.end()) {
      live = std::move(j->held);
      list.erase(j);
    }
    if (list.empty()) joining_.erase(it);
  }
  std::set<std::string> live_ids;
  for (const Element& st : live)
    for (const Element* sid : st.elements("stanza-id", kStanzaId))
      if (sid->attr("by") == room_jid.bare_str()) live_ids.insert(std::string(sid->attr("id")));
  Room* room = find(room_jid.local());
  if (room && room->by_session(user)) send_history(room_jid, user, *room, messages, live_ids);
  for (Element& st : live) send_to(user, st);
}

void MucHost::send_history(const Jid& room_jid, const Jid& user, const Room& room,
                           const std::vector<RoomMessage>& messages, const std::set<std::string>& skip) {
  for (const auto& m : messages) {
    if (skip.count(m.stanza_id)) continue;
    auto parsed = parse_element(m.xml);
    if (!parsed) continue;
    // XEP-0203 delay, stamped by the room (§7.2.15).
    parsed->add_child("delay", ns::kDelay).set_attr("from", room_jid.bare_str()).set_attr("stamp", xep0082_stamp(m.stamp_us));
    send_to(user, *parsed);
  }
  Element subject("message", ns::kClient);
  subject.set_attr("type", "groupchat");
  subject.set_attr("from", room.subject_nick().empty() ? room_jid.bare_str()
                                                        : occupant_jid(room_jid, room.subject_nick()));
  subject.add_child("subject", ns::kClient).add_text(room.subject());
  send_to(user, subject);
}

void MucHost::change_nick(Room& room, Occupant& occ, const std::string& nick) {
  // §7.6: unavailable with the new nick and 303 under the old nick, then available as the new.
  PresenceNote note;
  note.all = {303};
  note.new_nick = nick;
  Element anon = occupant_presence(room, occ, false), named = occupant_presence(room, occ, true),
          self = occupant_presence(room, occ, room.sees_real_jids(occ));
  decorate(anon, note, false);
  decorate(named, note, false);
  decorate(self, note, true);
  for (auto& r : room.occupants())
    if (&r != &occ && room.sees(r, occ)) send_to_occupant(room, r, room.sees_real_jids(r) ? named : anon);
  send_to_occupant(room, occ, self);
  occ.nick = nick;
  broadcast_presence(room, occ, {}, {});
}

void MucHost::leave(Room& room, const Jid& user, const Element& presence) {
  Occupant* occ = room.by_session(user);
  if (!occ) return;
  if (occ->resources.size() > 1) {
    // One of several clients leaves: only it hears the unavailable presence.
    std::erase(occ->resources, user.resource());
    Element p = occupant_presence(room, *occ, true);
    decorate(p, PresenceNote{}, true);
    send_to(user, p);
    return;
  }
  occ->presence = presence_payload(presence);  // the leaving <status/> is shown to the others (§7.14)
  remove_occupant_with(room, *occ, {}, "", "");
}

void MucHost::remove_occupant_with(Room& room, Occupant& occ, std::vector<int> codes, const std::string& actor,
                                   const std::string& reason) {
  occ.role = MucRole::none;
  PresenceNote note;
  note.all = std::move(codes);
  note.actor = actor;
  note.reason = reason;
  Element anon = occupant_presence(room, occ, false), named = occupant_presence(room, occ, true),
          self = occupant_presence(room, occ, room.sees_real_jids(occ));
  decorate(anon, note, false);
  decorate(named, note, false);
  decorate(self, note, true);
  for (auto& r : room.occupants())
    if (&r != &occ && room.sees(r, occ)) send_to_occupant(room, r, room.sees_real_jids(r) ? named : anon);
  send_to_occupant(room, occ, self);
  room.remove(occ);
}

void MucHost::drop_if_unused(Room& room) {
  if (!room.empty() || room.config().persistent || room.kept_by_service()) return;
  forget_history(room);
  rooms_.erase(room.jid().local());
}

// ---------------------------------------------------------------------------------------------
// Messages

Flow MucHost::on_message(StanzaEvent& ev) {
  if (held_until_loaded(ev)) return Flow::stop;
  const Element& st = ev.stanza;
  std::string_view type = st.attr("type");
  if (type == "error") return Flow::stop;
  Room* room = find(ev.to.local());
  if (!room || room->locked()) {
    server_.bounce(st, StanzaError::item_not_found());
    return Flow::stop;
  }
  if (!ev.to.is_bare()) {
    private_message(*room, ev.from, ev.to.resource(), st);
    return Flow::stop;
  }
  const Element* x = st.child("x", kMucUser);
  if (x && (x->child("invite", kMucUser) || x->child("decline", kMucUser))) {
    invitations(*room, ev.from, st, *x);
    return Flow::stop;
  }
  Occupant* occ = room->by_session(ev.from);
  if (type != "groupchat" || !occ) {
    server_.bounce(st, StanzaError::not_acceptable());  // §7.4: only occupants send to the room
    return Flow::stop;
  }
  groupchat(*room, *occ, ev.from, st);
  return Flow::stop;
}

void MucHost::groupchat(Room& room, Occupant& occ, const Jid& sender, const Element& st) {
  const Element* subject = st.child("subject", ns::kClient);
  if (subject && !st.child("body", ns::kClient)) {
    // §8.1: moderators, and participants where the room lets them, change the subject.
    bool may = occ.role == MucRole::moderator ||
               (room.config().change_subject && occ.role >= MucRole::participant);
    if (!may) {
      server_.bounce(st, StanzaError::forbidden());
      return;
    }
    if (room.has_hidden() && room.hidden(occ.bare)) {
      server_.bounce(st, StanzaError::forbidden());  // it would show the hidden occupant to everyone
      return;
    }
    room.set_subject(subject->text(), occ.nick);
    Element m("message", ns::kClient);
    m.set_attr("type", "groupchat").set_attr("from", occupant_jid(room.jid(), occ.nick));
    m.add_child("subject", ns::kClient).add_text(subject->text());
    for (auto& o : room.occupants()) send_to_occupant(room, o, m);
    persist(room);
    return;
  }
  if (occ.role < MucRole::participant) {
    server_.bounce(st, StanzaError::forbidden());  // §7.4 / §8.4: a visitor has no voice
    return;
  }
  if (observer_ && observer_(MucGroupchat{room.jid(), occ.nick, sender, st})) return;
  broadcast_message(room, st, occ.nick, sender);
}

std::string MucHost::broadcast_message(Room& room, Element m, const std::string& nick, const Jid& real) {
  m.remove_attr("to");
  m.set_attr("type", "groupchat");
  m.set_attr("from", nick.empty() ? room.jid().bare_str() : occupant_jid(room.jid(), nick));
  // XEP-0359 §3.1: a stanza-id claiming to be the room's is the room's to write.
  std::erase_if(m.children(), [&](const Element& c) {
    return c.is("stanza-id", kStanzaId) && c.attr("by") == room.jid().bare_str();
  });
  // muc#user in a message is the room's word (XEP-0045 §7.2.4 real JIDs, §7.5 private-message
  // marks, status codes): one an occupant wrote would let a visitor of a semi-anonymous room
  // claim any real JID to everyone else.
  if (!nick.empty()) m.remove_children("x", kMucUser);
  RoomHistory& history = history_for(room);
  std::string id = history.assign_id(room.jid());
  m.add_child("stanza-id", kStanzaId).set_attr("id", id).set_attr("by", room.jid().bare_str());
  // A hidden occupant's message (set_hidden) goes to staff only and stays out of the history
  // that everyone gets on join.
  bool hidden = !real.empty() && room.has_hidden() && room.hidden(real);
  if (m.child("body", ns::kClient) && !hidden)
    history.append(room.jid(), RoomMessage{id, server_.now_us(), nick, real.empty() ? "" : real.bare_str(),
                                             m.to_string()});
  for (auto& o : room.occupants())
    if (!hidden || room.staff(o.bare)) send_to_occupant(room, o, m);
  sweep(room);
  return id;
}

// An occupant whose session ended without an unavailable presence to the room (one added
// through MucRooms sent none, so the presence module has nothing to follow up) is removed when
// the room next speaks, with status 333 (§15.6.2: removed because of a technical problem).
void MucHost::sweep(Room& room) {
  std::vector<std::string> gone;
  for (auto& o : room.occupants()) {
    std::erase_if(o.resources, [&](const std::string& r) {
      Jid full = o.bare.with_resource(r);
      return server_.serves_host(full.domain()) && !server_.session(full);
    });
    if (o.resources.empty()) gone.push_back(o.nick);
  }
  for (const auto& nick : gone)
    if (Occupant* o = room.by_nick(nick)) remove_occupant_with(room, *o, {333}, "", "");
}

void MucHost::private_message(Room& room, const Jid& sender, const std::string& nick, const Element& st) {
  if (st.attr("type") == "groupchat") {
    server_.bounce(st, StanzaError::bad_request());  // §7.5
    return;
  }
  Occupant* from = room.by_session(sender);
  if (!from) {
    server_.bounce(st, StanzaError::not_acceptable());
    return;
  }
  Occupant* to = room.by_nick(nick);
  if (!to || !room.sees(*from, *to)) {  // a hidden occupant is not there for non-staff
    server_.bounce(st, StanzaError::item_not_found());
    return;
  }
  bool allowed = true;
  switch (room.config().allow_pm) {  // muc#roomconfig_allowpm
    case MucPmPolicy::anyone: break;
    case MucPmPolicy::participants: allowed = from->role >= MucRole::participant; break;
    case MucPmPolicy::moderators: allowed = from->role == MucRole::moderator; break;
    case MucPmPolicy::none: allowed = false; break;
  }
  if (!allowed) {
    server_.bounce(st, StanzaError::forbidden());
    return;
  }
  Element m = st;
  m.set_attr("from", occupant_jid(room.jid(), from->nick));
  m.remove_children("x", kMucUser);
  m.add_child("x", kMucUser);  // §7.5: marks it as a private message of the room
  send_to_occupant(room, *to, m);
}

void MucHost::invitations(Room& room, const Jid& sender, const Element& st, const Element& x) {
  MucAffiliation aff = room.affiliation(sender);
  for (const Element* invite : x.elements("invite", kMucUser)) {
    // §7.8.2: an occupant invites; in a members-only room only admins, or anyone if allowed.
    if (!room.by_session(sender) ||
        (room.config().members_only && aff < MucAffiliation::admin && !room.config().allow_invites)) {
      server_.bounce(st, StanzaError::forbidden());
      return;
    }
    auto to = Jid::parse(invite->attr("to"));
    if (!to) {
      server_.bounce(st, StanzaError::jid_malformed());
      return;
    }
    // §7.8.2: in a members-only room the invitee becomes a member, so it can enter.
    if (room.config().members_only && room.affiliation(*to) < MucAffiliation::member &&
        room.affiliation(*to) != MucAffiliation::outcast)
      apply_affiliation(room, to->bare(), MucAffiliation::member, "", "");
    Element m("message", ns::kClient);
    m.set_attr("from", room.jid().bare_str()).set_attr("to", to->str());
    Element& ux = m.add_child("x", kMucUser);
    Element& inv = ux.add_child("invite", kMucUser);
    inv.set_attr("from", sender.str());
    std::string reason = invite->child_text("reason", kMucUser);
    if (!reason.empty()) inv.add_child("reason", kMucUser).add_text(reason);
    if (room.config().password_protected) ux.add_child("password", kMucUser).add_text(room.config().password);
    server_.route(std::move(m));
  }
  for (const Element* decline : x.elements("decline", kMucUser)) {
    auto to = Jid::parse(decline->attr("to"));
    if (!to) continue;
    Element m("message", ns::kClient);
    m.set_attr("from", room.jid().bare_str()).set_attr("to", to->str());
    Element& d = m.add_child("x", kMucUser).add_child("decline", kMucUser);
    d.set_attr("from", sender.bare_str());
    std::string reason = decline->child_text("reason", kMucUser);
    if (!reason.empty()) d.add_child("reason", kMucUser).add_text(reason);
    server_.route(std::move(m));
  }
}

// ---------------------------------------------------------------------------------------------
// IQs

Flow MucHost::on_iq(StanzaEvent& ev) {
  if (held_until_loaded(ev)) return Flow::stop;
  const Element& st = ev.stanza;
  std::string_view type = st.attr("type");
  if (type == "result" || type == "error") return Flow::stop;
  const Element* payload = st.first_child_element();
  if (!payload) {
    server_.bounce(st, StanzaError::bad_request());
    return Flow::stop;
  }
  Room* room = find(ev.to.local());
  if (!ev.to.is_bare()) {
    bool joined = room && room->by_session(ev.from);
    // XEP-0410 §3: a ping to one's own occupant JID is answered by the service while joined;
    // not-acceptable tells a client it is no longer in the room.
    if (!joined) reply(st, StanzaError::not_acceptable());
    else if (payload->is("ping", ns::kPing) && type == "get") reply(st, IqResult::ok());
    else reply(st, StanzaError::service_unavailable());
    return Flow::stop;
  }
  if (!room) {
    reply(st, StanzaError::item_not_found());
    return Flow::stop;
  }
  if (payload->is("query", kMam)) {
    archive_query(*room, ev.from, st, *payload);
    return Flow::stop;
  }
  std::string name = room->jid().local();
  reply(st, room_iq(*room, ev.from, st, *payload));
  if (Room* still = find(name)) drop_if_unused(*still);
  return Flow::stop;
}

Flow MucHost::on_host_iq(StanzaEvent& ev) {
  const Element& st = ev.stanza;
  const Element* q = st.first_child_element();
  if (st.attr("type") != "get" || !q || !q->is("query", ns::kDiscoItems) || !q->attr("node").empty())
    return Flow::next;
  // §6.3: the public rooms (hidden and locked ones are not listed).
  Element items("query", ns::kDiscoItems);
  for (const auto& [name, room] : rooms_) {
    if (!room->config().public_room || room->locked()) continue;
    Element& item = items.add_child("item", ns::kDiscoItems);
    item.set_attr("jid", room->jid().bare_str());
    item.set_attr("name", room->config().name.empty() ? name : room->config().name);
  }
  reply(st, IqResult::ok(std::move(items)));
  return Flow::stop;
}

Element MucHost::room_info(const Room& room, const Jid& asker) {
  const MucRoomConfig& c = room.config();
  Element q("query", ns::kDiscoInfo);
  q.add_child("identity", ns::kDiscoInfo)
      .set_attr("category", "conference")
      .set_attr("type", "text")
      .set_attr("name", c.name.empty() ? room.jid().local() : c.name);
  // §6.4 and the registry of §15.5.2
  for (const char* f : {kMuc, c.persistent ? "muc_persistent" : "muc_temporary", c.public_room ? "muc_public" : "muc_hidden",
                        c.members_only ? "muc_membersonly" : "muc_open", c.moderated ? "muc_moderated" : "muc_unmoderated",
                        c.non_anonymous ? "muc_nonanonymous" : "muc_semianonymous",
                        c.password_protected ? "muc_passwordprotected" : "muc_unsecured", kStanzaId, kSelfPing,
                        ns::kDiscoInfo})
    q.add_child("feature", ns::kDiscoInfo).set_attr("var", f);
  // XEP-0313 §7: a logged room on a host with an archive can be queried.
  if (auto* archive = server_.service<RoomArchive>(settings_.host); archive && c.logging)
    for (const auto& f : archive->features()) q.add_child("feature", ns::kDiscoInfo).set_attr("var", f);
  // What the service owning this host's rooms offers this asker there (set_room_features).
  if (room_features_)
    for (const auto& f : room_features_(room.jid(), asker)) q.add_child("feature", ns::kDiscoInfo).set_attr("var", f);
  Element& x = q.add_child("x", ns::kDataForms);
  x.set_attr("type", "result");
  auto field = [&](const char* var, std::string value, const char* type = nullptr) {
    Element& f = x.add_child("field", ns::kDataForms);
    f.set_attr("var", var);
    if (type) f.set_attr("type", type);
    f.add_child("value", ns::kDataForms).add_text(std::move(value));
  };
  field("FORM_TYPE", kRoomInfo, "hidden");
  field("muc#roominfo_description", c.description);
  // Hidden occupants (set_hidden) are not counted for anyone: disco#info does not know the asker.
  std::size_t shown = 0;
  for (const auto& o : room.occupants()) shown += room.has_hidden() && room.hidden(o.bare) ? 0 : 1;
  field("muc#roominfo_occupants", std::to_string(shown));
  field("muc#roomconfig_changesubject", c.change_subject ? "1" : "0");
  // How long a logged room's messages are kept (XEP-0128 extended information, our own field in
  // Clark notation, XEP-0068 §4.2): what status 170 warns of, with its period.
  if (auto r = retention(); r && c.logging)
    field(kArchivePeriodField, period_text(c.archive_period.value_or(r->host_period)));
  return q;
}

IqResult MucHost::room_iq(Room& room, const Jid& from, const Element& st, const Element& payload) {
  bool get = st.attr("type") == "get";
  if (get && payload.is("query", ns::kDiscoInfo)) {
    if (!payload.attr("node").empty()) return StanzaError::item_not_found();
    return IqResult::ok(room_info(room, from));
  }
  if (get && payload.is("query", ns::kDiscoItems)) {
    // §6.5: the occupants, to occupants only (a room's members are not public).
    Element q("query", ns::kDiscoItems);
    if (const Occupant* asker = room.by_session(from))
      for (const auto& o : room.occupants())
        if (room.sees(*asker, o)) q.add_child("item", ns::kDiscoItems).set_attr("jid", occupant_jid(room.jid(), o.nick));
    return IqResult::ok(std::move(q));
  }
  if (get && payload.is("ping", ns::kPing)) return IqResult::ok();
  if (payload.is("query", kMucAdmin)) return get ? admin_get(room, from, payload) : admin_set(room, from, payload);
  if (payload.is("query", kMucOwner)) return owner_iq(room, from, st, payload);
  return StanzaError::service_unavailable();
}

// XEP-0313 §4 on a room (§5.1.2 MUC archives): who may read is the room's rule. Owners and
// admins always; a members-only room its members; an open room anyone who could join it
// (not banned; with a password, only someone in the room now). Real JIDs only for those who
// would see them in the room (XEP-0045 §7.2.3/§7.2.4): moderators, or all in a non-anonymous
// room. Refusals are forbidden (the room exists: its disco#info is public anyway).
std::optional<StanzaError> MucHost::archive_access(Room& room, const Jid& from, RoomArchiveAccess& access) {
  MucAffiliation aff = room.affiliation(from);
  const Occupant* occ = room.by_session(from);
  if (aff == MucAffiliation::outcast) return StanzaError::forbidden();
  if (room.locked() && aff != MucAffiliation::owner) return StanzaError::item_not_found();  // §10.1.1
  if (aff < MucAffiliation::member) {
    if (room.config().members_only) return StanzaError::forbidden();
    if (room.config().password_protected && !occ) return StanzaError::forbidden();
  }
  access.real_jids = room.config().non_anonymous || aff >= MucAffiliation::admin ||
                     (occ && occ->role == MucRole::moderator);
  access.since_us = room.created_us();
  return std::nullopt;
}

void MucHost::archive_query(Room& room, const Jid& from, const Element& st, const Element& query) {
  if (!server_.service<RoomArchive>(settings_.host)) {
    reply(st, StanzaError::service_unavailable());  // no archive on this host
    return;
  }
  RoomArchiveAccess access;
  if (auto error = archive_access(room, from, access)) {
    reply(st, *error);
    return;
  }
  server_.spawn(answer_archive_query(st, room.jid(), from, access), "muc: archive query");
}

Task<void> MucHost::answer_archive_query(Element iq, Jid room, Jid from, RoomArchiveAccess access) {
  auto alive = alive_;
  std::optional<IqResult> result;
  try {
    auto* archive = server_.service<RoomArchive>(settings_.host);
    if (!archive) throw std::runtime_error("the archive went away");
    const Element* query = iq.first_child_element();
    result = co_await archive->query(room, from, *query, iq.attr("type") == "set", access);
  } catch (const std::exception& e) {
    log::error("muc", "room archive query failed: ", e.what());
    result = StanzaError::internal_server_error();
  }
  if (*alive) reply(iq, std::move(*result));
}

IqResult MucHost::admin_get(Room& room, const Jid& from, const Element& query) {
  const Element* item = query.child("item", kMucAdmin);
  if (!item) return StanzaError::bad_request();
  Element q("query", kMucAdmin);
  if (item->has_attr("affiliation")) {
    // §9.5 member list, §9.8 admin list, §10.5 owner list, §9.2 ban list: for admins and owners.
    auto a = muc_affiliation_from(item->attr("affiliation"));
    if (!a || *a == MucAffiliation::none) return StanzaError::bad_request();
    if (room.affiliation(from) < MucAffiliation::admin) return StanzaError::forbidden();
    for (const auto& [jid, aff] : room.affiliations()) {
      if (aff != *a) continue;
      q.add_child("item", kMucAdmin).set_attr("affiliation", to_string(aff)).set_attr("jid", jid);
    }
    return IqResult::ok(std::move(q));
  }
  auto r = muc_role_from(item->attr("role"));
  if (!r) return StanzaError::bad_request();
  Occupant* me = room.by_session(from);
  if (!me || me->role != MucRole::moderator) return StanzaError::forbidden();  // §8.5, §9.9
  for (const auto& o : room.occupants()) {
    if (o.role != *r) continue;
    Element& i = q.add_child("item", kMucAdmin);
    i.set_attr("nick", o.nick).set_attr("role", to_string(o.role)).set_attr("affiliation", to_string(room.affiliation(o.bare)));
    if (room.sees_real_jids(*me)) i.set_attr("jid", o.bare.bare_str() + "/" + o.resources.front());
  }
  return IqResult::ok(std::move(q));
}

IqResult MucHost::admin_set(Room& room, const Jid& from, const Element& query) {
  struct Change {
    std::optional<Jid> user;
    std::string nick;
    std::optional<MucAffiliation> affiliation;
    MucRole role = MucRole::none;
    std::string reason;
  };
  std::vector<Change> changes;
  MucAffiliation actor_aff = room.affiliation(from);
  Occupant* actor = room.by_session(from);
  auto items = query.elements("item", kMucAdmin);
  if (items.empty()) return StanzaError::bad_request();
  // Every item is checked before any is applied: the request succeeds or changes nothing.
  for (const Element* item : items) {
    Change c;
    c.reason = item->child_text("reason", kMucAdmin);
    if (item->has_attr("affiliation")) {
      c.affiliation = muc_affiliation_from(item->attr("affiliation"));
      if (!c.affiliation) return StanzaError::bad_request();
      if (item->has_attr("jid")) {
        auto j = Jid::parse(item->attr("jid"));
        if (!j) return StanzaError::jid_malformed();
        c.user = j->bare();
      } else if (Occupant* o = room.by_nick(item->attr("nick"))) {
        c.user = o->bare;
      } else {
        return StanzaError::bad_request();
      }
      if (auto e = room.check_affiliation_change(actor_aff, *c.user, *c.affiliation)) return *e;
    } else {
      auto r = muc_role_from(item->attr("role"));
      if (!r) return StanzaError::bad_request();
      c.role = *r;
      c.nick = std::string(item->attr("nick"));
      Occupant* target = room.by_nick(c.nick);
      if (!target) return StanzaError::item_not_found();
      if (!actor) return StanzaError::forbidden();
      if (auto e = room.check_role_change(*actor, *target, c.role)) return *e;
    }
    changes.push_back(std::move(c));
  }
  std::string actor_nick = actor ? actor->nick : "";
  for (auto& c : changes) {
    if (c.affiliation) {
      apply_affiliation(room, *c.user, *c.affiliation, actor_nick, c.reason);
    } else if (Occupant* target = room.by_nick(c.nick)) {
      apply_role(room, *target, c.role, actor_nick, c.reason);
    }
  }
  return IqResult::ok();
}

IqResult MucHost::owner_iq(Room& room, const Jid& from, const Element& st, const Element& query) {
  if (room.affiliation(from) != MucAffiliation::owner) return StanzaError::forbidden();  // §10
  if (st.attr("type") == "get") {
    Element q("query", kMucOwner);
    auto r = retention();
    q.add(config_form(room, r ? &*r : nullptr));  // §10.2
    return IqResult::ok(std::move(q));
  }
  if (const Element* d = query.child("destroy", kMucOwner)) {  // §10.9
    destroy(room, d->child_text("reason", kMucOwner), std::string(d->attr("jid")));
    return IqResult::ok();
  }
  const Element* x = query.child("x", ns::kDataForms);
  if (!x) return StanzaError::bad_request();
  if (x->attr("type") == "cancel") {
    // §10.1.3: cancelling the configuration of a new room destroys it.
    if (room.locked()) destroy(room, "", "");
    return IqResult::ok();
  }
  if (x->attr("type") != "submit") return StanzaError::bad_request();
  MucRoomConfig config = room.config();
  auto r = retention();
  if (auto e = apply_config_form(*x, config, settings_.history_max, r ? &*r : nullptr)) return *e;
  apply_config(room, std::move(config));  // §10.1.2 instant room: an empty form unlocks it
  return IqResult::ok();
}

// ---------------------------------------------------------------------------------------------
// Changes

void MucHost::apply_role(Room& room, Occupant& target, MucRole role, const std::string& actor, const std::string& reason) {
  if (role == MucRole::none) {
    remove_occupant_with(room, target, {307}, actor, reason);  // §8.2 kick
    return;
  }
  target.role = role;  // §8.3 voice, §8.4 revoke voice, §9.6 moderator
  broadcast_presence(room, target, {}, {});
}

void MucHost::apply_affiliation(Room& room, const Jid& user, MucAffiliation a, const std::string& actor,
                                const std::string& reason) {
  room.set_affiliation(user, a);
  persist(room);
  std::vector<std::string> nicks;
  for (Occupant* o : room.by_user(user)) nicks.push_back(o->nick);
  for (const auto& nick : nicks) {
    Occupant* o = room.by_nick(nick);
    if (!o) continue;
    if (a == MucAffiliation::outcast) {
      remove_occupant_with(room, *o, {301}, actor, reason);  // §9.1 ban
    } else if (room.config().members_only && a < MucAffiliation::member) {
      remove_occupant_with(room, *o, {321}, actor, reason);  // §9.4: no longer a member
    } else {
      o->role = room.default_role(a);
      broadcast_presence(room, *o, {}, {});
    }
  }
}

void MucHost::apply_config(Room& room, MucRoomConfig config) {
  MucRoomConfig old = room.config();
  bool was_locked = room.locked();
  room.set_config(std::move(config));
  room.set_locked(false);
  const MucRoomConfig& c = room.config();
  if (c.persistent) persist(room);
  else if (old.persistent) server_.spawn(server_.storage().muc().remove_room(settings_.host, room.jid().local()), "muc: room write");
  if (old.archive_period != c.archive_period)
    if (RoomArchive* archive = room_archive()) archive->set_period(period_of(room));
  if (!was_locked && !(old == c)) {
    // §10.2.1: occupants hear that the configuration changed.
    Element m("message", ns::kClient);
    m.set_attr("type", "groupchat").set_attr("from", room.jid().bare_str());
    Element& x = m.add_child("x", kMucUser);
    status(x, 104);
    if (old.non_anonymous != c.non_anonymous) status(x, c.non_anonymous ? 172 : 173);
    if (old.logging != c.logging) status(x, c.logging ? 170 : 171);
    for (auto& o : room.occupants()) send_to_occupant(room, o, m);
  }
  if (c.members_only && !old.members_only) {
    // §9.4 / status 322: a room that became members-only removes its non-members.
    std::vector<std::string> out;
    for (const auto& o : room.occupants())
      if (room.affiliation(o.bare) < MucAffiliation::member) out.push_back(o.nick);
    for (const auto& nick : out)
      if (Occupant* o = room.by_nick(nick)) remove_occupant_with(room, *o, {322}, "", "");
  }
}

void MucHost::destroy(Room& room, const std::string& reason, const std::string& alternate) {
  // §10.9: every occupant gets an unavailable presence carrying <destroy/>.
  for (auto& occ : room.occupants()) {
    occ.role = MucRole::none;
    Element p = occupant_presence(room, occ, true);
    p.set_attr("type", "unavailable");
    Element* x = p.child("x", kMucUser);
    x->child("item", kMucUser)->set_attr("affiliation", "none");
    Element& d = x->add_child("destroy", kMucUser);
    if (!alternate.empty()) d.set_attr("jid", alternate);
    if (!reason.empty()) d.add_child("reason", kMucUser).add_text(reason);
    status(*x, 110);
    send_to_occupant(room, occ, p);
  }
  forget_history(room);
  if (room.config().persistent)
    server_.spawn(server_.storage().muc().remove_room(settings_.host, room.jid().local()), "muc: room write");
  rooms_.erase(room.jid().local());
}

void MucHost::persist(const Room& room) {
  if (!room.config().persistent || room.locked()) return;
  MucRoomRecord r;
  r.name = room.jid().local();
  r.config = room_json(room.config(), room.created_us());
  r.subject = room.subject();
  r.subject_nick = room.subject_nick();
  for (const auto& [jid, a] : room.affiliations()) r.affiliations.emplace_back(jid, to_string(a));
  server_.spawn(server_.storage().muc().put_room(settings_.host, std::move(r)), "muc: room write");
}

// ---------------------------------------------------------------------------------------------
// MucRooms: the API for other modules

bool MucHost::create_room(const Jid& jid, const MucRoomConfig& config) {
  if (jid.domain() != settings_.host || jid.local().empty() || find(jid.local())) return false;
  auto room = new_room(jid, bound_period(config));
  room->set_kept_by_service(true);
  Room& r = *room;
  rooms_[jid.local()] = std::move(room);
  persist(r);
  if (r.config().archive_period)
    if (RoomArchive* archive = room_archive()) archive->set_period(period_of(r));
  return true;
}

bool MucHost::configure_room(const Jid& jid, const MucRoomConfig& config) {
  Room* room = find(jid.local());
  if (!room) return false;
  apply_config(*room, bound_period(config));
  drop_if_unused(*room);
  return true;
}

std::optional<MucRoomConfig> MucHost::room_config(const Jid& jid) {
  Room* room = find(jid.local());
  if (!room) return std::nullopt;
  return room->config();
}

bool MucHost::set_affiliation(const Jid& jid, const Jid& user, MucAffiliation a, std::string reason) {
  Room* room = find(jid.local());
  if (!room || room->check_affiliation_change(std::nullopt, user, a)) return false;
  apply_affiliation(*room, user.bare(), a, "", reason);
  drop_if_unused(*room);
  return true;
}

bool MucHost::add_occupant(const Jid& jid, const Jid& user, const std::string& nick) {
  Room* room = find(jid.local());
  auto occupant = Jid::from_parts(jid.local(), jid.domain(), nick);
  if (!room || !occupant || nick.empty() || user.is_bare() || room->by_session(user)) return false;
  JoinOptions o;
  o.check_password = o.check_membership = false;
  Element presence("presence", ns::kClient);
  return !join(*room, user, occupant->resource(), presence, false, o);
}

bool MucHost::remove_occupant(const Jid& jid, const Jid& user, std::string reason) {
  Room* room = find(jid.local());
  if (!room) return false;
  std::vector<std::string> nicks;
  if (user.is_bare()) {
    for (Occupant* o : room->by_user(user)) nicks.push_back(o->nick);
  } else if (Occupant* o = room->by_session(user)) {
    nicks.push_back(o->nick);
  }
  for (const auto& nick : nicks)
    if (Occupant* o = room->by_nick(nick)) remove_occupant_with(*room, *o, {307}, "", reason);
  drop_if_unused(*room);
  return !nicks.empty();
}

std::optional<std::string> MucHost::send_message(const Jid& jid, const std::string& nick, const std::string& body) {
  Room* room = find(jid.local());
  if (!room) return std::nullopt;
  Jid real;
  if (!nick.empty()) {
    Occupant* o = room->by_nick(nick);
    if (!o) return std::nullopt;
    real = o->bare;
  }
  Element m("message", ns::kClient);
  m.add_child("body", ns::kClient).add_text(body);
  return broadcast_message(*room, std::move(m), nick, real);
}

bool MucHost::destroy_room(const Jid& jid, std::string reason, std::string alternate) {
  Room* room = find(jid.local());
  if (!room) return false;
  destroy(*room, reason, alternate);
  return true;
}

bool MucHost::invite(const Jid& jid, const Jid& user, std::string reason) {
  Room* room = find(jid.local());
  if (!room) return false;
  // XEP-0249 §2: a direct invitation, here from the room itself (the livechat offer).
  Element m("message", ns::kClient);
  m.set_attr("from", room->jid().bare_str()).set_attr("to", user.str());
  Element& x = m.add_child("x", kDirectInvite);
  x.set_attr("jid", room->jid().bare_str());
  if (!reason.empty()) x.set_attr("reason", reason);
  if (room->config().password_protected) x.set_attr("password", room->config().password);
  server_.route(std::move(m));
  return true;
}

std::optional<MucAffiliation> MucHost::affiliation(const Jid& jid, const Jid& user) {
  Room* room = find(jid.local());
  if (!room) return std::nullopt;
  return room->affiliation(user.bare());
}

bool MucHost::set_hidden(const Jid& jid, const Jid& user, bool hidden) {
  Room* room = find(jid.local());
  if (!room) return false;
  room->set_hidden(user.bare(), hidden);
  return true;
}

std::vector<std::pair<std::string, Jid>> MucHost::occupants(const Jid& jid) {
  std::vector<std::pair<std::string, Jid>> out;
  if (Room* room = find(jid.local()))
    for (const auto& o : room->occupants()) out.emplace_back(o.nick, o.bare.with_resource(o.resources.front()));
  return out;
}

}  // namespace xmppd::muc
