// Staff search over the livechat service's history (issue 6 Protocol: "full-text search across
// all history the requester may see is a MAM full-text query to chat.D, filtered by rights"):
// a XEP-0313 §4 query with the XEP-0431 field and XEP-0059 paging, answered over the one archive
// (xmppd/archive.hpp) restricted to the queues the asker may read (clients.hpp). The records are
// the conversations' room messages (labelled here as the mam module archives them), notes and
// tags (archived here), and tickets (offline_desk.cpp).
#include <set>

#include "livechat_service.hpp"
#include "service_util.hpp"
#include "xmppd/datetime.hpp"
#include "xmppd/mam_wire.hpp"
#include "xmppd/namespaces.hpp"
#include "xmppd/server.hpp"
#include "xmppd/session.hpp"

namespace xmppd::livechat {
namespace {

using ns::kMam;
using ns::kRsm;
constexpr char kFulltextVar[] = "{urn:xmpp:fulltext:0}fulltext";  // XEP-0431 §3
constexpr char kQueueVar[] = "{urn:xmppd:livechat:0}queue";
constexpr char kTagVar[] = "{urn:xmppd:livechat:0}tag";
constexpr char kChannelVar[] = "{urn:xmppd:livechat:0}channel";
constexpr std::size_t kMaxPage = 100;

// What a record is, for the staff application: from its data class.
const char* kind_of(const ArchiveRecord& r) {
  if (r.data_class == "livechat_note") return "note";
  if (r.data_class == "livechat_tag") return "tag";
  if (r.data_class == "livechat_ticket") return "ticket";
  return "message";
}

// XEP-0313 §4.1.1 "Retrieving the form" (§5.1 in older versions): the fields this search takes,
// the standard ones (§4.1.1: with, start, end), XEP-0431's and ours.
Element search_form() {
  Element x("x", ns::kDataForms);
  x.set_attr("type", "form");
  auto add = [&](const char* var, const char* type) -> Element& {
    Element& f = x.add_child("field", ns::kDataForms);
    f.set_attr("var", var).set_attr("type", type);
    return f;
  };
  add("FORM_TYPE", "hidden").add_child("value", ns::kDataForms).add_text(kMam);
  add("with", "jid-single");
  add("start", "text-single");
  add("end", "text-single");
  add(kFulltextVar, "text-single");
  add(kQueueVar, "text-single");
  add(kTagVar, "text-single");
  Element& channel = add(kChannelVar, "list-single");
  for (const char* c : {"web", "facebook", "email"}) {
    Element& o = channel.add_child("option", ns::kDataForms);
    o.set_attr("label", c);
    o.add_child("value", ns::kDataForms).add_text(c);
  }
  return x;
}

}  // namespace

void Service::label(const Jid& room, ArchiveRecord& record) {
  if (room.domain() != settings_.host || room.local().rfind("c-", 0) != 0) return;
  auto c = state_->conversation(room.local().substr(2));
  if (!c) return;
  record.conversation = c->id;
  record.client = c->client;
  record.queue = c->queue;
  record.channel = c->channel;
}

void Service::archive_annotation(const Conversation& c, const std::string& author, const std::string& kind,
                                 const std::string& text) {
  Element m("message", ns::kClient);
  m.set_attr("from", author).set_attr("to", room_of(c).bare_str()).set_attr("type", "normal");
  bool note = kind == "note";
  bool removed = kind == "untag";
  m.add_child("body", ns::kClient).add_text(note ? text : (removed ? "untag: " : "tag: ") + text);
  Element& e = m.add_child(note ? "note" : "tag", kNs);
  e.set_attr("conversation", c.id);
  if (!note) e.set_attr("name", text).set_attr("action", removed ? "remove" : "add");
  ArchiveRecord r;
  r.owner = c.queue + "@" + settings_.host;  // the queue's JID: never in the visitor's room archive
  r.with = author;
  r.direction = ArchiveDirection::outgoing;
  r.xml = m.to_string();
  r.text = removed ? std::string() : text;  // a removed tag is history, not a search hit
  r.conversation = c.id;
  r.client = c.client;
  r.queue = c.queue;
  r.channel = c.channel;
  r.data_class = note ? "livechat_note" : "livechat_tag";
  server_.archive().append(std::move(r));
}

Task<IqResult> Service::query(const IqRequest& req) {
  std::string asker = req.from.bare_str();
  // Rights first: a visitor or a stranger learns nothing, not even the form.
  if (from_visitor(req) || role_of(asker) == StaffRole::none) co_return StanzaError::forbidden();
  if (req.type == IqType::get) {
    Element q("query", kMam);
    q.add(search_form());
    co_return IqResult::ok(std::move(q));
  }
  auto queues = readable_queues(asker);
  ArchiveQuery q;
  q.owner = settings_.host;  // not read as an archive (q.queues selects): the host of the tags
  if (const Element* form = req.payload.child("x", ns::kDataForms)) {
    for (const Element* f : form->elements("field", ns::kDataForms)) {
      std::string var(f->attr("var"));
      std::string value = f->child_text("value", ns::kDataForms);
      if (var == "FORM_TYPE") {
        if (value != kMam) co_return StanzaError::bad_request("FORM_TYPE must be " + std::string(kMam));
      } else if (var == kFulltextVar) {
        if (!value.empty()) q.fulltext = value;
      } else if (var == "with") {
        // XEP-0313 §4.1.1 as far as the archive's columns go: a room JID finds that conversation's
        // messages (room/nick: one occupant's), a consultant's bare JID the notes and tags they
        // wrote (room messages keep the sender as a nick; the real JID is only in the stanza).
        if (value.empty()) continue;
        auto jid = Jid::parse(value);
        if (!jid) co_return StanzaError::bad_request("'with' is not a JID");
        q.with = jid->bare_str();
        if (!jid->is_bare()) q.with_resource = jid->resource();
      } else if (var == "start" || var == "end") {
        if (value.empty()) continue;
        auto us = parse_xep0082(value);
        if (!us) co_return StanzaError::bad_request("'" + var + "' is not an XEP-0082 DateTime");
        (var == "start" ? q.start_us : q.end_us) = *us;
      } else if (var == kTagVar) {
        if (value.empty()) continue;
        if (value.size() > 100) co_return StanzaError::bad_request("tag: at most 100 bytes");
        q.tag = value;
      } else if (var == kChannelVar) {
        if (value.empty()) continue;
        if (value != "web" && value != "facebook" && value != "email")
          co_return StanzaError::bad_request("channel: web, facebook or email");
        q.channel = value;
      } else if (var == kQueueVar) {
        if (value.empty()) continue;
        // A queue the asker may not read is refused, not silently emptied.
        if (std::find(queues.begin(), queues.end(), value) == queues.end()) co_return StanzaError::forbidden();
        queues = {value};
      } else {
        co_return StanzaError::bad_request("unknown field " + var);  // XEP-0313 §4.1
      }
    }
  }
  q.queues = queues;
  if (q.queues.empty()) co_return StanzaError::forbidden();
  // XEP-0059: <max/>, <after/>, <before/> (empty: the last page).
  if (const Element* set = req.payload.child("set", kRsm)) {
    if (const Element* max = set->child("max", kRsm)) {
      auto n = parse_archive_id(max->text());
      if (!n) co_return StanzaError::bad_request("max: not a number");
      q.max = static_cast<std::size_t>(std::min<std::int64_t>(*n, kMaxPage));
    }
    if (const Element* after = set->child("after", kRsm)) {
      auto id = parse_archive_id(after->text());
      if (!id) co_return StanzaError::item_not_found();
      q.page_after = *id;
    }
    if (const Element* before = set->child("before", kRsm)) {
      if (before->text().empty()) {
        q.from_end = true;
      } else {
        auto id = parse_archive_id(before->text());
        if (!id) co_return StanzaError::item_not_found();
        q.page_before = *id;
        q.from_end = true;
      }
    }
    if (set->child("index", kRsm)) co_return StanzaError::feature_not_implemented();
  } else {
    q.max = std::min(q.max, kMaxPage);
  }
  std::string queryid(req.payload.attr("queryid"));
  Jid to = req.from;
  ArchivePage page = co_await server_.archive().query(std::move(q));

  // §4.2: each result as a message from chat.D, with <found/> naming its conversation and client
  // so the staff application can open the client's history (<client id/>).
  std::set<std::string> clients;
  Session* session = server_.session(to);
  for (const auto& r : page.records) {
    if (r.client) clients.insert(*r.client);
    if (!session) continue;
    Element m = mam_result_message(r, queryid, settings_.host, to.str());
    Element& found = m.add_child("found", kNs);
    found.set_attr("kind", kind_of(r));
    if (r.conversation) found.set_attr("conversation", *r.conversation);
    if (r.client) found.set_attr("client", *r.client);
    if (r.queue) found.set_attr("queue", *r.queue);
    server_.send_to_session(*session, m);
  }
  // Each client whose records were read is an audited read (DESIGN.md "Privacy").
  for (const auto& client : clients) audit(asker, "search", client);

  co_return IqResult::ok(mam_fin(page));
}

}  // namespace xmppd::livechat
