// Clients of the livechat service: linking a visitor to one, staff rights, the audit of staff
// reads, and a client's history (<client/> in urn:xmppd:livechat:0, docs/protocol.md).
#include <set>

#include "livechat_service.hpp"
#include "service_util.hpp"
#include "xmppd/datetime.hpp"
#include "xmppd/log.hpp"
#include "xmppd/server.hpp"
#include "xmppd/storage.hpp"

namespace xmppd::livechat {
namespace {

constexpr std::size_t kMaxClientNote = 4000;

std::string stamp_or_empty(std::int64_t us) { return us > 0 ? xep0082_stamp(us) : std::string(); }

void set_stamp(Element& e, const char* name, std::int64_t us) {
  if (us > 0) e.set_attr(name, xep0082_stamp(us));
}

}  // namespace

// The client the keys name, or a new one. A storage failure must not lose the visitor's request:
// the record then keeps `fallback` (a key's hash, as before clients existed) and it is logged.
Task<std::string> Service::link_client(std::vector<LivechatClientKey> keys, std::string fallback) {
  try {
    co_return co_await server_.storage().livechat_clients().link(settings_.host, std::move(keys),
                                                                 new_client(server_.now_us()));
  } catch (const std::exception& e) {
    log::error("livechat", "a client could not be linked, the record keeps its key instead: ", e.what());
  }
  co_return fallback;
}

StaffRole Service::role_of(const std::string& bare) const {
  return livechat::role_of(settings_.queues, settings_.roles, bare);
}

std::vector<std::string> Service::readable_queues(const std::string& bare) const {
  return livechat::readable_queues(settings_.queues, settings_.roles, bare);
}

// DESIGN.md: every read of a client's data by staff is in an audit log. Written in the
// background; a failure is logged (without the client) and does not fail the read it records.
void Service::audit(const std::string& actor, const std::string& action, const std::string& client) {
  LivechatAuditRecord a{actor, action, client, server_.now_us(), kAuditDataClass};
  server_.spawn(server_.storage().livechat_clients().audit(settings_.host, std::move(a)), "livechat: audit");
}

// <client id='…'/> (get): the client's conversations, tickets, callbacks and notes, as far as the
// asker's queues reach (clients.hpp); <client id='…'><note>…</note></client> (set) adds a note.
Task<IqResult> Service::on_client(const IqRequest& req) {
  std::string asker = req.from.bare_str();
  if (from_visitor(req) || role_of(asker) == StaffRole::none) co_return StanzaError::forbidden();
  std::string id(req.payload.attr("id"));
  auto& store = server_.storage().livechat_clients();
  if (id.empty()) co_return StanzaError::item_not_found();
  auto client = co_await store.client(settings_.host, id);
  if (!client) co_return StanzaError::item_not_found();
  auto queues = readable_queues(asker);
  std::set<std::string> readable(queues.begin(), queues.end());

  if (req.type == IqType::set) {
    std::string text = req.payload.child_text("note", kNs);
    if (text.empty() || text.size() > kMaxClientNote) co_return StanzaError::bad_request("a <note/> of 1 to 4000 bytes");
    // A named record: GCC 12 mishandles a braced temporary as a co_await operand's argument.
    LivechatClientNoteRecord note{id, asker, text, server_.now_us(), kClientNoteDataClass};
    co_await store.add_note(settings_.host, std::move(note));
    co_return IqResult::ok();
  }

  auto conversations = co_await store.conversations_of(settings_.host, id);
  auto tickets = co_await store.tickets_of(settings_.host, id);
  auto callbacks = co_await store.callbacks_of(settings_.host, id);
  auto notes = co_await store.notes(settings_.host, id);
  Element out("client", kNs);
  out.set_attr("id", client->id);
  set_stamp(out, "created", client->created_us);
  set_stamp(out, "last-seen", client->last_seen_us);
  if (client->legal_hold) out.set_attr("legal-hold", "true");  // retention.hpp: nothing of it is purged
  auto& lc = server_.storage().livechat();
  for (const auto& c : conversations) {
    if (!readable.count(c.queue)) continue;
    Element& e = out.add_child("conversation", kNs);
    e.set_attr("id", c.id).set_attr("queue", c.queue).set_attr("channel", c.channel).set_attr("state", c.state);
    if (!c.consultant.empty()) e.set_attr("consultant", c.consultant);
    set_stamp(e, "created", c.created_us);
    set_stamp(e, "answered", c.answered_us);
    set_stamp(e, "closed", c.closed_us);
    auto conversation_notes = co_await lc.notes(settings_.host, c.id);
    e.set_attr("notes", std::to_string(conversation_notes.size()));
    auto tags = co_await lc.tags(settings_.host, c.id);
    for (const auto& tag : tags) e.add_child("tag", kNs).add_text(tag);
  }
  for (const auto& t : tickets) {
    if (!readable.count(t.queue)) continue;
    Element& e = out.add_child("ticket", kNs);
    e.set_attr("id", t.id).set_attr("queue", t.queue).set_attr("state", t.state);
    if (!t.assignee.empty()) e.set_attr("assignee", t.assignee);
    set_stamp(e, "created", t.created_us);
    set_stamp(e, "updated", t.updated_us);
  }
  for (const auto& c : callbacks) {
    if (!readable.count(c.queue)) continue;
    Element& e = out.add_child("callback", kNs);
    e.set_attr("id", c.id).set_attr("queue", c.queue).set_attr("state", c.state);
    if (!c.assignee.empty()) e.set_attr("assignee", c.assignee);
    set_stamp(e, "slot", c.slot_start_us);
    set_stamp(e, "created", c.created_us);
  }
  // The client's notes go with its records: a consultant who reads none of them reads no notes.
  bool sees_records = out.element_count() > 0;
  if (!sees_records && role_of(asker) == StaffRole::consultant) notes.clear();
  for (const auto& n : notes) {
    Element& e = out.add_child("note", kNs);
    e.set_attr("author", n.author).set_attr("created", stamp_or_empty(n.created_us));
    e.add_text(n.text);
  }
  audit(asker, "history", id);
  co_return IqResult::ok(std::move(out));
}

}  // namespace xmppd::livechat
