// XEP-0313 on rooms over the one archive; see the header.
#include "room_archive.hpp"

#include <algorithm>
#include <chrono>

#include "mam_query.hpp"
#include "xmppd/archive.hpp"
#include "xmppd/asio.hpp"
#include "xmppd/host_archive.hpp"
#include "xmppd/log.hpp"
#include "xmppd/namespaces.hpp"
#include "xmppd/session.hpp"

namespace xmppd::mam {
namespace {

constexpr char kMucUser[] = "http://jabber.org/protocol/muc#user";
constexpr char kDataClass[] = "message";

// Gives back an id the MUC module reserved for a message it then did not keep (no body). It
// runs after the handler that reserved it returns, so append() has had its chance first; a
// release of an id already committed is a no-op (Archive::release).
Task<void> release_later(Archive& archive, std::int64_t id) {
  co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
  archive.release(id);
}

}  // namespace

std::string stored_room_stanza(const Element& message, const std::string& real_jid) {
  Element m = message;
  std::erase_if(m.children(), [](const Element& c) { return c.is("x", kMucUser); });
  if (!real_jid.empty()) m.add_child("x", kMucUser).add_child("item", kMucUser).set_attr("jid", real_jid);
  return m.to_string();
}

std::string reader_room_stanza(Element& message, bool real_jids) {
  std::string real;
  for (const Element& c : message.children())
    if (c.is("x", kMucUser))
      if (const Element* item = c.child("item", kMucUser)) real = std::string(item->attr("jid"));
  if (!real_jids) std::erase_if(message.children(), [](const Element& c) { return c.is("x", kMucUser); });
  return real;
}

std::string RoomArchiveService::assign_id(const Jid&) {
  Archive& archive = server_.archive();
  std::int64_t id = archive.reserve();
  server_.spawn(release_later(archive, id), "room archive: unused id");
  return std::to_string(id);
}

void RoomArchiveService::append(const Jid& room, RoomMessage message) {
  auto parsed = parse_element(message.xml);
  if (!parsed) return;
  ArchiveRecord record;
  record.owner = room.bare_str();
  record.with = room.bare_str();
  record.with_resource = message.nick;
  record.direction = ArchiveDirection::room;
  record.stamp_us = message.stamp_us;
  record.text = parsed->child_text("body", ns::kClient);
  record.xml = stored_room_stanza(*parsed, message.real_jid);
  record.data_class = kDataClass;
  // A livechat conversation's record carries its conversation, client, queue and channel.
  if (auto* labels = server_.service<ArchiveLabels>(room.domain())) labels->label(room, record);
  Archive& archive = server_.archive();
  // The id assign_id() reserved, which is also the record's time (so a `start` taken from a
  // result's <delay/> finds it); a message with an id from elsewhere gets a new one.
  if (auto id = parse_archive_id(message.stanza_id)) {
    record.stamp_us = *id;
    archive.commit(*id, std::move(record));
  } else {
    archive.append(std::move(record));
  }
}

Task<std::vector<RoomMessage>> RoomArchiveService::recent(Jid room, HistoryRequest request) {
  std::uint64_t max = request.room_limit;
  if (request.max_stanzas) max = std::min<std::uint64_t>(max, *request.max_stanzas);
  std::vector<RoomMessage> out;
  if (max == 0) co_return out;
  ArchiveQuery q;
  q.owner = room.bare_str();
  q.start_us = request.since_us;
  q.from_end = true;  // the newest `max`
  q.max = static_cast<std::size_t>(std::min<std::uint64_t>(max, 100000));
  q.want_count = false;
  ArchivePage page = co_await server_.archive().query(std::move(q));
  // §7.2.15 maxchars counts whole stanzas, newest first.
  std::uint64_t chars = 0;
  for (auto r = page.records.rbegin(); r != page.records.rend(); ++r) {
    auto parsed = parse_element(r->xml);
    if (!parsed) continue;
    RoomMessage m;
    m.real_jid = reader_room_stanza(*parsed, false);
    m.xml = parsed->to_string();
    chars += m.xml.size();
    if (request.max_chars && chars > *request.max_chars) break;
    m.stanza_id = std::to_string(r->id);
    m.stamp_us = r->stamp_us;
    m.nick = r->with_resource;
    out.push_back(std::move(m));
  }
  std::reverse(out.begin(), out.end());
  co_return out;
}

Task<IqResult> RoomArchiveService::query(Jid room, Jid asker, Element query, bool set, RoomArchiveAccess access) {
  if (!set) {
    Element q("query", kMam);  // §5.1: the fields a room's archive can be queried by
    q.add(query_form());
    co_return IqResult::ok(std::move(q));
  }
  auto parsed = read_query(query, room.bare_str(), max_page_);
  if (auto* error = std::get_if<StanzaError>(&parsed)) co_return *error;
  ArchiveQuery q = std::move(std::get<ArchiveQuery>(parsed));
  // A destroyed room of the same name is not this room: nothing from before its creation.
  if (access.since_us > 0) q.start_us = std::max(q.start_us.value_or(access.since_us), access.since_us);
  std::string queryid(query.attr("queryid"));
  ArchivePage page = co_await server_.archive().query(std::move(q));
  // §4.2 results (from the room's bare JID), then §4.3 the IQ result with <fin/>.
  if (Session* session = server_.session(asker)) {
    for (auto& r : page.records) {
      if (auto stanza = parse_element(r.xml)) {
        reader_room_stanza(*stanza, access.real_jids);
        r.xml = stanza->to_string();
      }
      server_.send_to_session(*session, mam_result_message(r, queryid, room.bare_str(), asker.str()));
    }
  }
  co_return IqResult::ok(mam_fin(page));
}

ArchiveOwnPeriod RoomArchiveService::own_period(const RoomPeriod& room, std::optional<std::int64_t> until_us) const {
  ArchiveOwnPeriod p;
  p.owner = room.room.bare_str();
  p.data_class = kDataClass;
  p.since_us = room.created_us;
  p.until_us = until_us;
  if (room.period) {
    auto period = std::min(*room.period, retention_.max_period);
    p.keep_us = std::chrono::duration_cast<std::chrono::microseconds>(period).count();
  }
  return p;
}

void RoomArchiveService::set_period(const RoomPeriod& room) {
  server_.spawn(server_.archive().set_own_periods({own_period(room)}), "room archive: period");
}

void RoomArchiveService::room_ended(const RoomPeriod& room) {
  // Its records keep the period it had; a room of the same name created later has its own.
  if (room.period)
    server_.spawn(server_.archive().set_own_periods({own_period(room, server_.now_us())}), "room archive: period");
}

void RoomArchiveService::rooms_loaded(const std::vector<RoomPeriod>& rooms) {
  std::vector<ArchiveOwnPeriod> open;
  for (const RoomPeriod& r : rooms)
    if (r.period) open.push_back(own_period(r));
  // A refused write is logged by spawn; the next start writes the periods again.
  server_.spawn(server_.archive().reset_own_periods(host_, server_.now_us(), std::move(open)), "room archive: periods");
}

std::vector<std::string> RoomArchiveService::features() const {
  return {kMam, kMamExtended, kFulltext};
}

}  // namespace xmppd::mam
