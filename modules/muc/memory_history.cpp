// In-memory room history and the XEP-0045 §7.2.15 selection: maxstanzas, maxchars (counted
// over the complete stanzas), seconds/since, and the room's own muc#maxhistoryfetch.
#include "memory_history.hpp"

#include <algorithm>

namespace xmppd::muc {

void MemoryHistory::append(const Jid& room, RoomMessage message) {
  if (keep_ == 0) return;
  auto& list = rooms_[room.bare_str()];
  list.push_back(std::move(message));
  while (list.size() > keep_) list.pop_front();
}

std::vector<RoomMessage> MemoryHistory::select(const Jid& room, const HistoryRequest& r) const {
  std::vector<RoomMessage> out;
  auto it = rooms_.find(room.bare_str());
  if (it == rooms_.end()) return out;
  std::uint64_t max_stanzas = r.room_limit;
  if (r.max_stanzas) max_stanzas = std::min<std::uint64_t>(max_stanzas, *r.max_stanzas);
  std::uint64_t chars = 0;
  for (auto m = it->second.rbegin(); m != it->second.rend() && out.size() < max_stanzas; ++m) {
    if (r.since_us && m->stamp_us < *r.since_us) break;  // older ones are older still
    chars += m->xml.size();
    if (r.max_chars && chars > *r.max_chars) break;
    out.push_back(*m);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

Task<std::vector<RoomMessage>> MemoryHistory::recent(Jid room, HistoryRequest request) {
  co_return select(room, request);
}

}  // namespace xmppd::muc
