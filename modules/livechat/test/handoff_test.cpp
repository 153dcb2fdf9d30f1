// Unit tests of the hand-off rules (issue 6): the steps of pick, transfer to a queue and the end
// of a disconnect grace period in the conversation state machine, agent status in routing, the
// head-of-queue order, the choice of a pick, and the grace deadline from stored transitions.
// The time is a parameter everywhere (an injected clock).
#define BOOST_TEST_MODULE livechat_handoff
#include <boost/test/unit_test.hpp>

#include <ostream>

#include "../conversation.hpp"
#include "../handoff_rules.hpp"
#include "../routing.hpp"

namespace xmppd::livechat {
std::ostream& operator<<(std::ostream& o, ConversationState s) { return o << to_string(s); }
}  // namespace xmppd::livechat

using namespace xmppd::livechat;

namespace {
Conversation conv(std::string id, std::string queue, ConversationState s, std::string consultant = {}) {
  Conversation c;
  c.id = std::move(id);
  c.queue = std::move(queue);
  c.state = s;
  c.consultant = std::move(consultant);
  return c;
}
}  // namespace

BOOST_AUTO_TEST_CASE(pick_takes_a_queued_or_offered_conversation) {
  auto c = conv("1", "general", ConversationState::queued);
  BOOST_TEST(apply(c, ConversationEvent::picked, 50));
  BOOST_TEST(c.state == ConversationState::active);
  BOOST_TEST(c.answered_us == 50);
  BOOST_TEST(!apply(c, ConversationEvent::picked, 60));  // already answered
  auto o = conv("2", "general", ConversationState::queued);
  BOOST_TEST(apply(o, ConversationEvent::offer_made, 10));
  BOOST_TEST(apply(o, ConversationEvent::picked, 20));  // the offer to someone else is withdrawn by the caller
  BOOST_TEST(o.state == ConversationState::active);
  auto closed = conv("3", "general", ConversationState::closed);
  BOOST_TEST(!apply(closed, ConversationEvent::picked, 20));
}

BOOST_AUTO_TEST_CASE(transfer_to_a_queue_and_grace_end_go_back_to_queued) {
  for (auto event : {ConversationEvent::transferred, ConversationEvent::returned}) {
    auto c = conv("1", "general", ConversationState::queued);
    BOOST_TEST(!apply(c, event, 5));  // only an answered conversation goes back
    apply(c, ConversationEvent::offer_made, 10);
    BOOST_TEST(!apply(c, event, 15));
    apply(c, ConversationEvent::accepted, 20);
    c.consultant = "anna@d";
    BOOST_TEST(apply(c, event, 30));
    BOOST_TEST(c.state == ConversationState::queued);
    BOOST_TEST(c.answered_us == 20);  // the first answer stays recorded
    BOOST_TEST(returned_to_queue(c));
    // Offered again and accepted by a colleague.
    BOOST_TEST(apply(c, ConversationEvent::offer_made, 40));
    BOOST_TEST(apply(c, ConversationEvent::accepted, 50));
    BOOST_TEST(!returned_to_queue(c));
  }
}

BOOST_AUTO_TEST_CASE(agent_status_words_and_routability) {
  BOOST_TEST(std::string(to_string(AgentStatus::on_break)) == "break");
  BOOST_TEST(std::string(to_string(AgentStatus::after_call_work)) == "after-call-work");
  BOOST_TEST((agent_status_from("after-call-work") == AgentStatus::after_call_work));
  BOOST_TEST((agent_status_from("available") == AgentStatus::available));
  BOOST_TEST(!agent_status_from("lunch"));
  BOOST_TEST(routable(true, AgentStatus::available));
  BOOST_TEST(!routable(true, AgentStatus::on_break));
  BOOST_TEST(!routable(false, AgentStatus::available));
}

BOOST_AUTO_TEST_CASE(routing_skips_a_consultant_on_break) {
  // The service turns status into Candidate::available; the least busy one on a break is skipped.
  std::vector<Candidate> cands{{"anna@d", routable(true, AgentStatus::on_break), 0, 3, 0},
                               {"bob@d", routable(true, AgentStatus::available), 2, 3, 0}};
  BOOST_TEST(*pick_consultant(cands, {}) == "bob@d");
  cands[1].available = routable(true, AgentStatus::after_call_work);
  BOOST_TEST(!pick_consultant(cands, {}));
}

BOOST_AUTO_TEST_CASE(returned_conversations_are_served_first) {
  std::vector<Conversation> open{conv("1", "general", ConversationState::queued),
                                 conv("2", "general", ConversationState::active, "anna@d"),
                                 conv("3", "general", ConversationState::queued, "bob@d"),
                                 conv("4", "general", ConversationState::offered),
                                 conv("5", "general", ConversationState::queued, "carl@d")};
  auto order = serving_order(open);
  std::vector<std::string> ids;
  for (const auto& c : order) ids.push_back(c.id);
  BOOST_TEST((ids == std::vector<std::string>{"3", "5", "1", "2", "4"}));
}

BOOST_AUTO_TEST_CASE(pick_chooses_the_head_or_the_named_conversation_of_the_members_queues) {
  std::vector<Conversation> open{conv("1", "general", ConversationState::offered),
                                 conv("2", "grants", ConversationState::queued),
                                 conv("3", "general", ConversationState::active, "anna@d"),
                                 conv("4", "general", ConversationState::queued, "bob@d"),
                                 conv("5", "taxes", ConversationState::queued)};
  std::vector<std::string> mine{"general", "grants"};
  BOOST_TEST(pick_choice(open, mine, "", "")->id == "4");        // the returned one is the head
  BOOST_TEST(pick_choice(open, mine, "grants", "")->id == "2");  // the head of the queue named
  BOOST_TEST(pick_choice(open, mine, "", "1")->id == "1");       // named, offered to someone else
  BOOST_TEST(!pick_choice(open, mine, "", "3"));                 // answered already
  BOOST_TEST(!pick_choice(open, mine, "", "5"));                 // not a queue of this consultant
  BOOST_TEST(!pick_choice(open, mine, "taxes", ""));
  BOOST_TEST(!pick_choice({}, mine, "", ""));
}

BOOST_AUTO_TEST_CASE(grace_deadline_follows_the_stored_steps) {
  const std::int64_t grace = 60'000'000;
  BOOST_TEST(!grace_deadline({{"joined", 1}, {"offered", 2}, {"accepted", 3}}, grace));
  BOOST_TEST(*grace_deadline({{"accepted", 3}, {kConsultantAway, 100}}, grace) == 100 + grace);
  BOOST_TEST(!grace_deadline({{"accepted", 3}, {kConsultantAway, 100}, {kConsultantBack, 150}}, grace));
  // Away, back, away again: the last departure counts.
  BOOST_TEST(*grace_deadline({{kConsultantAway, 100}, {kConsultantBack, 150}, {kConsultantAway, 400}}, grace) ==
             400 + grace);
  // Once returned to the queue there is no grace left to wait for.
  BOOST_TEST(!grace_deadline({{kConsultantAway, 100}, {"returned", 100 + grace}}, grace));
}
