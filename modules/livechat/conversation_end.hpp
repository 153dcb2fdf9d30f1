// The end of a conversation from the visitor's side (issues 6 and 7), plain C++ with the time
// given by the caller, so the rules are unit-tested without a server.
//
// - The visitor leaves: while waiting (queued or offered) that cancels the conversation, while
//   active it ends it; both close it (conversation.hpp) and kill its token for rejoining.
// - After a close by either side the visitor may rate the conversation once (1..5 and an optional
//   comment) within the rating window; a second rating is a conflict.
// - The visitor may ask once for the transcript by e-mail, to the address given in the join form
//   only; without one there is nothing to send it to. The request is stored as `requested` until
//   the mail bridge (TranscriptMailer) sends it (`sent`) or gives up (`failed`).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "conversation.hpp"

namespace xmppd::livechat {

// Who closed a conversation: the visitor cancelled while waiting, ended while active, a
// consultant closed it, or the service did (e.g. an inactivity close of a later slice).
enum class ClosedBy { none, visitor_cancelled, visitor_ended, consultant, service };
enum class TranscriptState { none, requested, sent, failed };

const char* to_string(ClosedBy b);
const char* to_string(TranscriptState s);
std::optional<ClosedBy> closed_by_from(std::string_view s);
std::optional<TranscriptState> transcript_state_from(std::string_view s);

// What the visitor leaves behind at the end of one conversation. Personal data (e-mail,
// comment): stored with the conversation's client and data class.
struct Feedback {
  std::string conversation;
  std::string client;
  std::string email;  // from the join form; "" when none was given
  ClosedBy closed_by = ClosedBy::none;
  int rating = 0;  // 1..5; 0: not rated
  std::string comment;
  std::int64_t rated_us = 0;
  TranscriptState transcript = TranscriptState::none;
  std::int64_t transcript_us = 0;
};

inline constexpr int kMinRating = 1;
inline constexpr int kMaxRating = 5;
inline constexpr std::size_t kMaxComment = 2000;  // bytes

// What the visitor's leaving `c` is: a cancel while it waits (queued or offered), an end while
// it is active; none when it is closed already.
ClosedBy leaving(const Conversation& c);

// A consultant or the service closed `c` (already applied to `c`): recorded in `f`.
void record_close(Feedback& f, ClosedBy by);

enum class RateResult { rated, not_closed, too_late, already_rated, bad_rating, bad_comment };
// A rating of closed `c` at `now_us`, accepted until `c.closed_us + window_us`.
RateResult rate(const Conversation& c, Feedback& f, int rating, std::string comment, std::int64_t now_us,
                std::int64_t window_us);

enum class TranscriptRequest { requested, no_email, already_requested, too_late };
// A transcript request at `now_us`: while the conversation is open, or closed for less than
// `window_us`; once; only when the form gave an address.
TranscriptRequest request_transcript(const Conversation& c, Feedback& f, std::int64_t now_us,
                                     std::int64_t window_us);

// The end of the window in which a closed conversation may still be rated or its transcript
// asked for; 0 while it is open.
std::int64_t feedback_until(const Conversation& c, std::int64_t window_us);

// A plausible address for the transcript (one '@', something on both sides, a dot in the
// domain, no spaces or angle brackets, at most 254 bytes per RFC 5321 §4.5.3.1.3). The mail
// bridge does the real delivery; this only refuses what can never work.
bool plausible_email(std::string_view address);

}  // namespace xmppd::livechat
