// Unit tests of the end of a conversation (issues 6 and 7, conversation_end.hpp) with an
// injected clock (the time is a parameter): leaving is a cancel while waiting and an end while
// active; one rating within the window, a second is refused; one transcript request, only to
// an address the form gave.
#define BOOST_TEST_MODULE conversation_end
#include <boost/test/unit_test.hpp>

#include "../conversation_end.hpp"

using namespace xmppd::livechat;

namespace {
constexpr std::int64_t kWindow = 1'800'000'000;  // 30 min

Conversation closed_at(std::int64_t t) {
  Conversation c;
  c.id = "c1";
  BOOST_REQUIRE(apply(c, ConversationEvent::offer_made, t - 30));
  BOOST_REQUIRE(apply(c, ConversationEvent::accepted, t - 20));
  BOOST_REQUIRE(apply(c, ConversationEvent::closed, t));
  return c;
}
}  // namespace

BOOST_AUTO_TEST_CASE(leaving_while_waiting_cancels_and_while_active_ends) {
  Conversation c;
  BOOST_TEST((leaving(c) == ClosedBy::visitor_cancelled));
  BOOST_REQUIRE(apply(c, ConversationEvent::offer_made, 10));
  BOOST_TEST((leaving(c) == ClosedBy::visitor_cancelled));  // an offer pending is still waiting
  BOOST_REQUIRE(apply(c, ConversationEvent::accepted, 20));
  BOOST_TEST((leaving(c) == ClosedBy::visitor_ended));
  BOOST_REQUIRE(apply(c, ConversationEvent::closed, 30));
  BOOST_TEST((leaving(c) == ClosedBy::none));  // nothing left to leave
}

BOOST_AUTO_TEST_CASE(first_close_reason_is_kept) {
  Feedback f;
  record_close(f, ClosedBy::visitor_ended);
  record_close(f, ClosedBy::consultant);
  BOOST_TEST(std::string(to_string(f.closed_by)) == "visitor_ended");
  BOOST_TEST((closed_by_from("consultant") == ClosedBy::consultant));
  BOOST_TEST(!closed_by_from("someone").has_value());
}

BOOST_AUTO_TEST_CASE(rated_once_after_close_within_window) {
  Conversation open;
  Feedback f;
  BOOST_TEST((rate(open, f, 5, "", 100, kWindow) == RateResult::not_closed));
  Conversation c = closed_at(1000);
  BOOST_TEST((rate(c, f, 0, "", 1001, kWindow) == RateResult::bad_rating));
  BOOST_TEST((rate(c, f, 6, "", 1001, kWindow) == RateResult::bad_rating));
  BOOST_TEST((rate(c, f, 3, std::string(kMaxComment + 1, 'x'), 1001, kWindow) == RateResult::bad_comment));
  BOOST_TEST(f.rating == 0);  // nothing kept from refused attempts
  BOOST_TEST((rate(c, f, 4, "helpful", 1002, kWindow) == RateResult::rated));
  BOOST_TEST(f.rating == 4);
  BOOST_TEST(f.comment == "helpful");
  BOOST_TEST(f.rated_us == 1002);
  BOOST_TEST((rate(c, f, 1, "changed my mind", 1003, kWindow) == RateResult::already_rated));
  BOOST_TEST(f.rating == 4);
  BOOST_TEST(f.comment == "helpful");
}

BOOST_AUTO_TEST_CASE(rating_window_ends_exactly_at_its_deadline) {
  Conversation c = closed_at(1000);
  BOOST_TEST(feedback_until(c, kWindow) == 1000 + kWindow);
  Feedback late;
  BOOST_TEST((rate(c, late, 5, "", 1000 + kWindow, kWindow) == RateResult::too_late));
  Feedback just;
  BOOST_TEST((rate(c, just, 5, "", 1000 + kWindow - 1, kWindow) == RateResult::rated));
}

BOOST_AUTO_TEST_CASE(transcript_needs_the_forms_address_and_is_asked_once) {
  Conversation c;
  BOOST_REQUIRE(apply(c, ConversationEvent::offer_made, 10));
  BOOST_REQUIRE(apply(c, ConversationEvent::accepted, 20));
  Feedback none;
  BOOST_TEST((request_transcript(c, none, 30, kWindow) == TranscriptRequest::no_email));
  BOOST_TEST((none.transcript == TranscriptState::none));
  Feedback f;
  f.email = "jan@example.org";
  BOOST_TEST((request_transcript(c, f, 40, kWindow) == TranscriptRequest::requested));  // while active
  BOOST_TEST((f.transcript == TranscriptState::requested));
  BOOST_TEST(f.transcript_us == 40);
  BOOST_TEST((request_transcript(c, f, 50, kWindow) == TranscriptRequest::already_requested));
  BOOST_REQUIRE(apply(c, ConversationEvent::closed, 60));
  BOOST_TEST((request_transcript(c, f, 70, kWindow) == TranscriptRequest::already_requested));
  Feedback after;
  after.email = "jan@example.org";
  BOOST_TEST((request_transcript(c, after, 60 + kWindow, kWindow) == TranscriptRequest::too_late));
  BOOST_TEST((request_transcript(c, after, 61, kWindow) == TranscriptRequest::requested));
}

BOOST_AUTO_TEST_CASE(only_plausible_addresses) {
  BOOST_TEST(plausible_email("jan.kowalski@example.pl"));
  BOOST_TEST(!plausible_email(""));
  BOOST_TEST(!plausible_email("jan"));
  BOOST_TEST(!plausible_email("@example.pl"));
  BOOST_TEST(!plausible_email("jan@"));
  BOOST_TEST(!plausible_email("jan@localhost"));
  BOOST_TEST(!plausible_email("jan@example.pl."));
  BOOST_TEST(!plausible_email("jan@@example.pl"));
  BOOST_TEST(!plausible_email("jan kowalski@example.pl"));
  BOOST_TEST(!plausible_email("a@b.pl, c@d.pl"));
  BOOST_TEST(!plausible_email(std::string(250, 'a') + "@b.pl"));
}

// The consultant's public profile (consultant_profile.hpp): privacy by default.
#include "../consultant_profile.hpp"

BOOST_AUTO_TEST_CASE(public_profile_without_consent_is_first_name_initials_workplace) {
  auto p = parse_profile("anna | Anna Maria Kowalska | Specjalistka ds. dotacji | Punkt w Łodzi", "example.org");
  BOOST_TEST(p.jid == "anna@example.org");
  auto v = public_view(p, false);
  BOOST_TEST(v.first_name == "Anna");
  BOOST_TEST(v.initials == "AMK");
  BOOST_TEST(v.workplace == "Punkt w Łodzi");
  BOOST_TEST(v.full_name.empty());
  BOOST_TEST(v.title.empty());
  BOOST_TEST(!v.photo);
  auto with = public_view(p, true);
  BOOST_TEST(with.full_name == "Anna Maria Kowalska");
  BOOST_TEST(with.title == "Specjalistka ds. dotacji");
  BOOST_TEST(with.photo);
}

BOOST_AUTO_TEST_CASE(initials_keep_utf8_letters_whole) {
  BOOST_TEST(initials_of("Łucja Żak") == "ŁŻ");
  BOOST_TEST(initials_of("jan  kowalski-nowak") == "JKN");
  BOOST_TEST(initials_of("") == "");
}

BOOST_AUTO_TEST_CASE(profile_entries_are_checked) {
  BOOST_CHECK_THROW(parse_profile("anna", "example.org"), std::invalid_argument);
  BOOST_CHECK_THROW(parse_profile(" | Anna", "example.org"), std::invalid_argument);
  BOOST_CHECK_THROW(parse_profile("anna@example.org/desk | Anna", "example.org"), std::invalid_argument);
  BOOST_TEST(parse_profile("bob@other.org | Bob", "example.org").jid == "bob@other.org");
}
