// The livechat service on chat.D (issue 6, DESIGN.md "Conversation flow", "Consultants for any
// client"); the protocol is docs/protocol.md (urn:xmppd:livechat:0).
//
// Who calls what:
// - A visitor (anonymous, guest.D) sends <join/> to chat.D: a conversation is created `queued`
//   with a room c-<id>@chat.D (XEP-0045 through the MucRooms API of this host), the visitor is
//   put in it under a nick the service chooses, and gets a 128-bit token (only its SHA-256 is
//   kept). <rejoin/> with the token from any new anonymous session moves the conversation to it.
// - Consultants are queue members; one is available while at least one of its resources has
//   sent available presence to chat.D or to a queue JID (RFC 6121 §4.6 directed presence).
// - dispatch() runs after every change (join, availability, offer answered or expired, close):
//   for each queue, each waiting conversation in join order gets an offer to the consultant
//   routing picks (routing.hpp). The offer is a XEP-0249 invitation with a body; joining the
//   room (or replying !accept) accepts, !decline or the deadline passes it on.
// - In a room, a consultant's !note, !tag, !untag, !close and !help (or /…) are taken before
//   they are broadcast (MucRooms groupchat observer) and answered to that consultant alone.
// - At start the state is loaded (LivechatState); expired offers are passed on.
// - Offline mode (offline_desk.cpp): a queue with recipients answers a join with <offline/>
//   when it is closed (business hours) or nobody is available; the visitor leaves a ticket or
//   books a callback slot instead. Both are stored, handed to the recipients (TicketNotifier)
//   and worked on by staff with IQs in this namespace; a callback's reminder reaches its
//   assignee at the slot (a timer per callback, rebuilt from the stored rows at start).
#pragma once
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "automation.hpp"
#include "clients.hpp"
#include "consultant_profile.hpp"
#include "conversation_end.hpp"
#include "handoff_rules.hpp"
#include "livechat_state.hpp"
#include "offline_requests.hpp"
#include "queue_config.hpp"
#include "routing.hpp"
#include "xmppd/host_archive.hpp"
#include "xmppd/module.hpp"
#include "xmppd/muc.hpp"
#include "xmppd/storage.hpp"
#include "xmppd/visitor_conversation.hpp"

namespace xmppd::livechat {

inline constexpr char kNs[] = "urn:xmppd:livechat:0";
inline constexpr char kJoinFormType[] = "urn:xmppd:livechat:0#join";
inline constexpr char kTicketFormType[] = "urn:xmppd:livechat:0#ticket";
inline constexpr char kCallbackFormType[] = "urn:xmppd:livechat:0#callback";

// Hands new tickets and callback requests to people. Today by XMPP message
// (make_message_notifier); the mail bridge will implement it for e-mail.
class TicketNotifier {
 public:
  virtual ~TicketNotifier() = default;
  virtual void ticket(const QueueConfig& q, const Ticket& t, const std::vector<std::string>& to) = 0;
  virtual void callback(const QueueConfig& q, const Callback& c, const std::string& slot,
                        const std::vector<std::string>& to) = 0;
};
std::unique_ptr<TicketNotifier> make_message_notifier(Server& server, std::string host);

// Sends a conversation's transcript to the address of its join form (issue 7), asked once per
// conversation. Today nobody sends it: make_message_transcript_mailer tells the consultant and
// the request stays `requested`; the mail bridge will implement this, send the room's archive
// and report the outcome through `done` (TranscriptState::sent or ::failed).
class TranscriptMailer {
 public:
  virtual ~TranscriptMailer() = default;
  virtual void requested(const Conversation& c, const Feedback& f, std::function<void(TranscriptState)> done) = 0;
};
std::unique_ptr<TranscriptMailer> make_message_transcript_mailer(Server& server, std::string host);

struct Settings {
  std::string host;            // chat.D
  std::string account_domain;  // D
  std::vector<QueueConfig> queues;
  int max_chats = 3;
  std::string visitor_nick = "Visitor";
  std::string notice_version;  // the current notice; empty: any version is recorded as given
  int callback_days = 5;              // working days of slots offered
  int max_slots = 200;                // slots listed at most
  int submissions_per_session = 5;    // tickets + callbacks one visitor session may send
  int callback_attempts = 3;          // calls without an answer before a callback gives up
  StaffRoles roles;                   // supervisors and administrators (clients.hpp)
  std::chrono::milliseconds feedback_window{std::chrono::minutes(30)};  // rating, transcript after a close
  std::map<std::string, ConsultantProfile> profiles;  // bare JID -> profile (consultant_profiles)
  std::size_t max_photo_bytes = 65536;                // avatars larger than this are not shown
  // How long a consultant whose last resource went away keeps its conversations (handoff.cpp).
  std::chrono::milliseconds disconnect_grace{std::chrono::seconds(60)};
  IdlePolicy idle;                                    // inactivity warning and close (automation.hpp)
  AutomationTexts texts;                              // greeting, busy, inactivity messages
};

// Reads and checks the options of `host` (chat.D); throws std::invalid_argument saying which
// option and what is wrong (the configuration loader adds file and host, see ModuleInfo::check).
Settings read_settings(const std::string& host, const Options& options);

class Service : public std::enable_shared_from_this<Service>,
                public ArchiveLabels,
                public HostArchiveSearch,
                public VisitorConversations {
 public:
  Service(Server& server, Settings settings);
  // Queue lengths for /metrics (livechat_metrics.cpp).
  void write_metrics(MetricsWriter& out) const;
  void start(ModuleContext& ctx);
  void stop();
  // ArchiveLabels: a conversation room's records carry conversation, client, queue, channel.
  void label(const Jid& room, ArchiveRecord& record) override;
  // HostArchiveSearch: staff search, a XEP-0313 query to chat.D (staff_search.cpp).
  Task<IqResult> query(const IqRequest& req) override;
  // VisitorConversations: the conversation a visitor session is in (visitor_lookup.cpp).
  std::optional<VisitorConversation> conversation_of(const Jid& visitor) const override;

 private:
  struct Consultant {
    std::set<std::string> resources;  // available ones
    std::int64_t idle_since_us = 0;
  };

  MucRooms* rooms();
  Jid room_of(const Conversation& c) const;
  const QueueConfig* queue(const std::string& name) const;
  bool is_consultant(const std::string& bare) const;

  bool from_visitor(const IqRequest& req);
  Task<IqResult> on_join(const IqRequest& req);
  Task<IqResult> on_rejoin(const IqRequest& req);
  Task<IqResult> on_queues(const IqRequest& req);
  Flow on_presence(StanzaEvent& ev);
  Flow on_room_presence(StanzaEvent& ev, const Conversation& c);
  bool on_subscription(const StanzaEvent& ev, const std::string& type, bool consultant);
  Flow on_message(StanzaEvent& ev);
  bool on_groupchat(const MucGroupchat& g);

  void put_visitor(const Conversation& c, const Jid& visitor);
  void dispatch();
  // False when the conversation could not take an offer (its state moved on).
  bool make_offer(Conversation c, const std::string& consultant);
  void accept(Conversation c, Offer o, const std::string& consultant);
  void offer_lost(Offer o, const std::string& why);
  void close(Conversation c, const std::string& actor, ClosedBy by = ClosedBy::consultant);
  void send_positions();
  void start_timer(const Offer& o);
  Task<void> offer_timer(std::string offer_id, std::int64_t expires_us);
  Task<void> restore();
  Task<void> forget_bookmarks(std::vector<std::string> accounts, Jid room);

  void tell(const Jid& to, const std::string& from, const std::string& body, const char* type = "chat");
  void tell_in_room(const Jid& room, const Jid& to, const std::string& body);
  std::map<std::string, int> consultant_load(const std::vector<Conversation>& open) const;
  std::vector<Candidate> candidates(const QueueConfig& q, const std::map<std::string, int>& load) const;

  // The room actions of the !commands and of the XEP-0050 commands on a room: what the actor is
  // told, and false when the input is wrong (livechat_service.cpp).
  std::pair<bool, std::string> note_action(const Conversation& c, const std::string& actor, const std::string& text);
  std::pair<bool, std::string> tag_action(const Conversation& c, const std::string& actor, const std::string& name,
                                          bool tag);
  std::string close_action(const Conversation& c, const std::string& actor);
  // XEP-0050 commands on chat.D and on the conversation rooms (adhoc_commands.cpp).
  void add_commands(ModuleContext& ctx);
  std::optional<Conversation> conversation_in(const Jid& room) const;
  bool staff_in(const Jid& requester, const Jid& room);
  AdhocCommand queue_status_command();
  AdhocCommand tickets_command();
  AdhocCommand callbacks_command();

  // Offline mode (offline_desk.cpp).
  bool available(const QueueConfig& q) const;
  bool may_work_on(const std::string& bare, const std::string& queue) const;
  // A member or recipient of the queue, or a supervisor or administrator (any queue).
  bool may_handle(const std::string& bare, const std::string& queue) const;
  bool may_handle_any(const std::string& bare) const;  // tickets or callbacks of some queue
  std::optional<std::string> assignee_of(const std::string& staff, const std::string& named,
                                         const std::string& queue) const;
  // A step of a ticket or callback by `staff` (the IQs below and the XEP-0050 commands).
  struct DeskAction {
    std::string id, action, assignee, answer;
  };
  std::variant<Ticket, StanzaError> ticket_action(const std::string& staff, const DeskAction& a);
  std::variant<Callback, StanzaError> callback_action(const std::string& staff, const DeskAction& a);
  bool count_submission(const Jid& from);
  std::vector<Slot> free_slots(const QueueConfig& q) const;
  std::vector<std::string> callback_audience(const QueueConfig& q) const;
  std::optional<Element> offline_answer(const QueueConfig& q);
  Task<IqResult> on_ticket(const IqRequest& req);
  Task<IqResult> on_callback(const IqRequest& req);
  Task<IqResult> on_slots(const IqRequest& req);
  Task<IqResult> on_ticket_action(const IqRequest& req);
  Task<IqResult> on_callback_action(const IqRequest& req);
  Task<IqResult> on_list(const IqRequest& req);
  void archive_ticket(const Ticket& t, const Jid& visitor);

  // Clients, staff search and a client's history (clients.hpp, client_history.cpp).
  Task<std::string> link_client(std::vector<LivechatClientKey> keys, std::string fallback);
  StaffRole role_of(const std::string& bare) const;
  std::vector<std::string> readable_queues(const std::string& bare) const;
  void audit(const std::string& actor, const std::string& action, const std::string& client);
  // A note or a tag into the one archive, under the queue's JID (never the room's: the visitor
  // reads the room's archive), so staff search finds it (staff_search.cpp).
  void archive_annotation(const Conversation& c, const std::string& author, const std::string& kind,
                          const std::string& text);
  Task<IqResult> on_client(const IqRequest& req);
  void start_reminder(const Callback& c);
  Task<void> reminder_timer(std::string callback_id, std::int64_t at_us);

  // The end of a conversation (visitor_end.cpp): leave / cancel, rating, transcript request.
  Task<IqResult> on_leave(const IqRequest& req);
  Task<IqResult> on_rate(const IqRequest& req);
  Task<IqResult> on_transcript(const IqRequest& req);
  Task<IqResult> on_feedback(const IqRequest& req);
  std::optional<StanzaError> take_email(const Element& form, const Conversation& c);
  void ended(const Conversation& c, ClosedBy by);
  Element closed_notice(const char* name, const Conversation& c);
  Feedback& feedback_of(const Conversation& c);
  void save_feedback(const Feedback& f);
  Task<void> restore_feedback();
  void forget_ended(std::int64_t now_us);

  // Hand-offs (handoff.cpp, handoff_rules.hpp): agent status, pick, transfer, invite, supervisors'
  // silent join, a disconnected consultant's grace period.
  struct PickOutcome {
    std::string error;  // empty: picked
    std::optional<Conversation> picked;
  };
  bool online(const std::string& bare) const;               // at least one available resource
  bool routable_consultant(const std::string& bare) const;  // online and agent status available
  AgentStatus agent_status(const std::string& bare) const;
  void set_agent_status(const std::string& bare, AgentStatus s);
  void agent_status_in_presence(const std::string& bare, const Element& presence);
  Task<void> restore_agent_statuses();
  Task<IqResult> on_agent_status(const IqRequest& req);
  bool service_command(const Jid& from, const std::string& body);
  std::vector<std::string> queues_of(const std::string& bare) const;
  PickOutcome pick(const std::string& bare, std::string queue_name, const std::string& wanted);
  Task<IqResult> on_pick(const IqRequest& req);
  void take(Conversation c, const std::string& consultant, const std::string& event);
  std::string transfer(Conversation c, const std::string& actor, const std::string& target);
  void accept_transfer(Conversation c, const std::string& consultant);
  void transfer_lost(const Conversation& c, const Offer& o, const std::string& why);
  std::string invite(const Conversation& c, const std::string& actor, const std::string& colleague);
  bool handoff_command(const Conversation& c, const Jid& real, const std::string& word, const std::string& rest);
  Task<IqResult> on_transfer(const IqRequest& req);
  Task<IqResult> on_invite(const IqRequest& req);
  std::optional<Flow> admit_staff(const Conversation& c, const std::string& bare);
  Task<IqResult> on_live(const IqRequest& req);
  Task<IqResult> on_watch(const IqRequest& req);
  void consultant_gone(const std::string& bare);
  void consultant_back(const std::string& bare);
  void start_grace(const std::string& conversation, std::int64_t deadline_us);
  Task<void> grace_timer(std::string conversation, std::int64_t deadline_us);
  Task<void> restore_handoff();
  // Events and the automation on them (automation.cpp): greeting, busy with the expected wait,
  // inactivity warning and close.
  void emit(EventKind kind, const Conversation& c, const std::string& actor, bool from_visitor = false);
  void on_event(const Event& e);
  int position_of(const Conversation& c) const;
  void say_in_room(const Conversation& c, const std::string& text);
  Task<void> idle_sweep();
  void check_idle();

  // Consultants' public profiles (profile_service.cpp).
  Task<IqResult> on_consent(const IqRequest& req);
  Task<IqResult> on_profile(const IqRequest& req);
  Task<Element> profile_element(Conversation c);
  void send_profile(const Conversation& c);
  Task<void> restore_consents();
  bool consented(const std::string& bare) const;

  Server& server_;
  Settings settings_;
  std::unique_ptr<TicketNotifier> notifier_;
  std::map<std::string, int> submissions_;  // visitor full JID -> tickets and callbacks sent
  std::unique_ptr<LivechatState> state_;
  std::map<std::string, Consultant> consultants_;       // bare JID -> presence
  std::map<std::string, Jid> visitors_;                 // conversation id -> the visitor's full JID
  std::map<std::string, std::set<std::string>> tried_;  // conversation id -> consultants who let it go
  std::map<std::string, std::set<std::string>> declined_;  // conversation id -> those of them who declined
  std::map<std::string, int> positions_sent_;           // conversation id -> last position sent
  std::unique_ptr<TranscriptMailer> mailer_;
  std::map<std::string, Feedback> feedback_;         // conversation id -> feedback (open, or closed in the window)
  std::map<std::string, Conversation> ended_;        // token hash -> conversation closed within the window
  std::map<std::string, LivechatConsentRecord> consents_;  // bare JID -> the consultant's current answer
  std::map<std::string, AgentStatus> agent_status_;            // bare JID -> status (absent: available)
  std::map<std::string, std::int64_t> grace_;                   // conversation id -> end of its grace period
  std::map<std::string, std::set<std::string>> watchers_;      // conversation id -> silent supervisors
  EventBus events_;
  WaitEstimator waits_;
  std::map<std::string, IdleClock> idle_clocks_;  // conversation id -> inactivity clock (active ones)
  bool loaded_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace xmppd::livechat
