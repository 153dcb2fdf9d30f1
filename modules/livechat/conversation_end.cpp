// The end of a conversation from the visitor's side (see conversation_end.hpp).
#include "conversation_end.hpp"

#include <algorithm>

namespace xmppd::livechat {
namespace {
constexpr const char* kClosedBy[] = {"", "visitor_cancelled", "visitor_ended", "consultant", "service"};
constexpr const char* kTranscript[] = {"none", "requested", "sent", "failed"};
}  // namespace

const char* to_string(ClosedBy b) { return kClosedBy[static_cast<int>(b)]; }
const char* to_string(TranscriptState s) { return kTranscript[static_cast<int>(s)]; }

std::optional<ClosedBy> closed_by_from(std::string_view s) {
  for (int i = 0; i <= static_cast<int>(ClosedBy::service); ++i)
    if (s == kClosedBy[i]) return static_cast<ClosedBy>(i);
  return std::nullopt;
}
std::optional<TranscriptState> transcript_state_from(std::string_view s) {
  for (int i = 0; i <= static_cast<int>(TranscriptState::failed); ++i)
    if (s == kTranscript[i]) return static_cast<TranscriptState>(i);
  return std::nullopt;
}

ClosedBy leaving(const Conversation& c) {
  switch (c.state) {
    case ConversationState::queued:
    case ConversationState::offered:
      return ClosedBy::visitor_cancelled;
    case ConversationState::active:
      return ClosedBy::visitor_ended;
    case ConversationState::closed:
      break;
  }
  return ClosedBy::none;
}

void record_close(Feedback& f, ClosedBy by) {
  if (f.closed_by == ClosedBy::none) f.closed_by = by;
}

std::int64_t feedback_until(const Conversation& c, std::int64_t window_us) {
  return c.state == ConversationState::closed ? c.closed_us + window_us : 0;
}

RateResult rate(const Conversation& c, Feedback& f, int rating, std::string comment, std::int64_t now_us,
                std::int64_t window_us) {
  if (c.state != ConversationState::closed) return RateResult::not_closed;
  if (f.rating != 0) return RateResult::already_rated;
  if (now_us >= feedback_until(c, window_us)) return RateResult::too_late;
  if (rating < kMinRating || rating > kMaxRating) return RateResult::bad_rating;
  if (comment.size() > kMaxComment) return RateResult::bad_comment;
  f.rating = rating;
  f.comment = std::move(comment);
  f.rated_us = now_us;
  return RateResult::rated;
}

TranscriptRequest request_transcript(const Conversation& c, Feedback& f, std::int64_t now_us,
                                     std::int64_t window_us) {
  if (f.email.empty()) return TranscriptRequest::no_email;
  if (f.transcript != TranscriptState::none) return TranscriptRequest::already_requested;
  if (c.state == ConversationState::closed && now_us >= feedback_until(c, window_us))
    return TranscriptRequest::too_late;
  f.transcript = TranscriptState::requested;
  f.transcript_us = now_us;
  return TranscriptRequest::requested;
}

bool plausible_email(std::string_view a) {
  if (a.size() < 3 || a.size() > 254) return false;
  auto at = a.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= a.size() || a.find('@', at + 1) != std::string_view::npos)
    return false;
  auto domain = a.substr(at + 1);
  auto dot = domain.find('.');
  if (dot == std::string_view::npos || dot == 0 || domain.back() == '.') return false;
  return std::none_of(a.begin(), a.end(), [](char ch) {
    return ch == ' ' || ch == '<' || ch == '>' || ch == '\t' || ch == '\r' || ch == '\n' || ch == ',' || ch == ';';
  });
}

}  // namespace xmppd::livechat
