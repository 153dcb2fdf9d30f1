// Repository interfaces for everything the core and its modules keep. Two backends implement
// them and pass the same contract suite: SQLite (embedded default) and MariaDB (production).
//
// Every call returns an awaitable that resumes on the caller's executor; the blocking database
// work runs on the backend's own threads, never on the I/O thread. Writes are group-committed:
// an awaited write has returned only when its transaction is durable, so a XEP-0198 <a/> sent
// after it never covers something that could still be lost.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "xmppd/archive.hpp"
#include "xmppd/awaitable.hpp"

namespace xmppd {

// A storage failure. `transient` (lost connection, deadlock, busy) means: retry later, answer
// wait/resource-constraint; otherwise internal-server-error.
class StorageError : public std::runtime_error {
 public:
  StorageError(const std::string& what, bool transient)
      : std::runtime_error(what), transient_(transient) {}
  bool transient() const { return transient_; }

 private:
  bool transient_;
};

struct ScramCredentials {
  std::string salt;  // raw bytes
  std::uint32_t iterations = 0;
  std::string stored_key, server_key;  // raw bytes
};

struct Account {
  std::string host, username;
  ScramCredentials sha1, sha256;
};

class AccountStore {
 public:
  virtual ~AccountStore() = default;
  // false when the account already exists.
  virtual Task<bool> create(const Account& account) = 0;
  virtual Task<std::optional<Account>> find(std::string host, std::string username) = 0;
  // false when there is no such account.
  virtual Task<bool> set_credentials(const Account& account) = 0;
  // Removes the account and everything stored for it in the core tables (roster, offline,
  // private, vcard, blocking, its message archive); false when there was none.
  virtual Task<bool> remove(std::string host, std::string username) = 0;
  virtual Task<std::vector<std::string>> list(std::string host) = 0;
};

// RFC 6121 §2.1.2 subscription states, with the pending flags of Appendix A.
enum class Subscription { none, to, from, both, remove };
const char* to_string(Subscription s);
std::optional<Subscription> subscription_from_string(std::string_view s);

struct RosterItem {
  std::string jid;  // bare, prepared
  std::string name;
  Subscription subscription = Subscription::none;
  bool pending_out = false;   // ask='subscribe'
  bool pending_in = false;    // an inbound subscribe not yet answered (stored, never shown)
  bool preapproved = false;   // RFC 6121 §3.4
  std::string pending_in_stanza;  // the stored inbound subscribe, re-delivered at login
  // Kept only to hold a pending inbound subscribe from a contact the user never added
  // (RFC 6121 §3.1.3): not part of the roster the user sees until answered or added.
  bool hidden = false;
  std::vector<std::string> groups;
  friend bool operator==(const RosterItem&, const RosterItem&) = default;
};

// A local account, as the owner of a roster.
struct RosterOwner {
  std::string host, user;
  friend bool operator==(const RosterOwner&, const RosterOwner&) = default;
};

class RosterStore {
 public:
  virtual ~RosterStore() = default;
  virtual Task<std::vector<RosterItem>> items(std::string host, std::string user) = 0;
  virtual Task<std::optional<RosterItem>> item(std::string host, std::string user,
                                               std::string jid) = 0;
  // Inserts or replaces; returns the new roster version (XEP-0237: strictly increasing).
  virtual Task<std::uint64_t> put(std::string host, std::string user, RosterItem item) = 0;
  // Returns the new roster version; 0 when there was no such item.
  virtual Task<std::uint64_t> remove(std::string host, std::string user, std::string jid) = 0;
  virtual Task<std::uint64_t> version(std::string host, std::string user) = 0;
  // The accounts whose roster has a row for `jid` (bare, prepared; hidden rows included): who
  // must hear of it when that account is deleted (RFC 6121 §3.2, §3.3).
  virtual Task<std::vector<RosterOwner>> owners_of(std::string jid) = 0;
};

// XEP-0160: messages kept for an account while it has no available resource.
struct OfflineMessage {
  std::int64_t id = 0;
  std::int64_t stamp_us = 0;  // time of arrival, microseconds since the epoch
  std::string xml;            // the stanza as serialised (jabber:client)
};

// What OfflineStore::store did with a message.
enum class OfflineStored { stored, no_account, full };

class OfflineStore {
 public:
  virtual ~OfflineStore() = default;
  // Stores the message if the account exists and has fewer than `max_messages`, all in one
  // write: during a database outage the whole step waits in the write queue (and so is never
  // answered wrongly by a read that could not be done). Throws StorageError when it could not
  // be stored.
  virtual Task<OfflineStored> store(std::string host, std::string user, std::int64_t stamp_us,
                                    std::string xml, std::int64_t max_messages) = 0;
  // Returns the stored message id; throws StorageError when it could not be stored.
  virtual Task<std::int64_t> push(std::string host, std::string user, std::int64_t stamp_us,
                                  std::string xml) = 0;
  virtual Task<std::vector<OfflineMessage>> list(std::string host, std::string user) = 0;
  virtual Task<void> remove(std::string host, std::string user, std::vector<std::int64_t> ids) = 0;
  virtual Task<std::int64_t> count(std::string host, std::string user) = 0;
};

// XML kept per account and namespace: XEP-0049 private storage, XEP-0054 vcard-temp.
class XmlStore {
 public:
  virtual ~XmlStore() = default;
  virtual Task<std::optional<std::string>> get(std::string host, std::string user,
                                              std::string key) = 0;
  virtual Task<void> set(std::string host, std::string user, std::string key, std::string xml) = 0;
  virtual Task<void> remove(std::string host, std::string user, std::string key) = 0;
};

// XEP-0191 blocked JIDs.
class BlockStore {
 public:
  virtual ~BlockStore() = default;
  virtual Task<std::vector<std::string>> list(std::string host, std::string user) = 0;
  // As list(), but a database outage does not fail it: it waits in the write queue, like a
  // write, until the database is back (bounded like writes). For a check that holds a stanza
  // which will then be stored (a message to an offline account), so the outage holds it too.
  virtual Task<std::vector<std::string>> list_through_outage(std::string host, std::string user) = 0;
  virtual Task<void> add(std::string host, std::string user, std::vector<std::string> jids) = 0;
  // Empty `jids` removes all.
  virtual Task<void> remove(std::string host, std::string user, std::vector<std::string> jids) = 0;
};


// XEP-0163 personal eventing (PEP): per-account XEP-0060 nodes and their items.
struct PepNodeConfig {
  std::string access_model = "presence";  // XEP-0060 §4.5: presence | open | whitelist
  bool persist_items = true;              // pubsub#persist_items
  std::int64_t max_items = 1;             // pubsub#max_items; 0 means "max" (no limit but the quota)
  bool send_last = true;  // pubsub#send_last_published_item: on_sub_and_presence (true) | never
  friend bool operator==(const PepNodeConfig&, const PepNodeConfig&) = default;
};
struct PepNode {
  std::string name;
  PepNodeConfig config;
};
struct PepItem {
  std::string id;
  std::string xml;  // the <item/> as serialised
  std::int64_t stamp_us = 0;
};

class PepStore {
 public:
  virtual ~PepStore() = default;
  virtual Task<std::vector<PepNode>> nodes(std::string host, std::string user) = 0;
  virtual Task<std::optional<PepNodeConfig>> node(std::string host, std::string user, std::string node) = 0;
  // Creates the node or changes its configuration, dropping the oldest items beyond max_items.
  virtual Task<void> put_node(std::string host, std::string user, std::string node, PepNodeConfig config) = 0;
  // Creates the node with `config` when it does not exist, stores `item` as the node's newest
  // (replacing one with the same id) and drops the oldest beyond max_items. Nothing is stored and
  // false returned when the account's items would then exceed `quota_bytes`.
  virtual Task<bool> publish(std::string host, std::string user, std::string node, PepNodeConfig config,
                             PepItem item, std::uint64_t quota_bytes) = 0;
  // The node's items, newest first: those named by `ids` (all when empty), at most `max` (0: all).
  virtual Task<std::vector<PepItem>> items(std::string host, std::string user, std::string node,
                                           std::vector<std::string> ids, std::int64_t max) = 0;
  // false when there was no such item.
  virtual Task<bool> retract(std::string host, std::string user, std::string node, std::string id) = 0;
  // Removes the node and its items; false when there was no such node.
  virtual Task<bool> remove_node(std::string host, std::string user, std::string node) = 0;
};

// XEP-0045 persistent rooms of a MUC host: configuration, subject and affiliations.
struct MucRoomRecord {
  std::string name;    // the room's localpart
  std::string config;  // the configuration as the MUC module writes it (JSON)
  std::string subject, subject_nick;
  std::vector<std::pair<std::string, std::string>> affiliations;  // bare JID, affiliation
  friend bool operator==(const MucRoomRecord&, const MucRoomRecord&) = default;
};

class MucStore {
 public:
  virtual ~MucStore() = default;
  virtual Task<std::vector<MucRoomRecord>> rooms(std::string host) = 0;
  // Inserts or replaces the room, its affiliations replaced by `room.affiliations`.
  virtual Task<void> put_room(std::string host, MucRoomRecord room) = 0;
  // Removes the room and its affiliations.
  virtual Task<void> remove_room(std::string host, std::string name) = 0;
};

// The livechat service's rows (modules/livechat): conversations with a row for every
// transition, offers to consultants, notes and tags. States are the module's words, stored as
// text; `client` and `data_class` let export, erasure and retention find personal data.
struct LivechatConversationRecord {
  std::string id;  // time-ordered
  std::string queue, channel, client, token_hash, state, topic, visitor_name, visitor_nick, notice_version;
  std::string consultant;  // bare JID of the one who answered
  std::int64_t created_us = 0, offered_us = 0, answered_us = 0, closed_us = 0;
  std::string data_class;
  friend bool operator==(const LivechatConversationRecord&, const LivechatConversationRecord&) = default;
};
struct LivechatTransitionRecord {
  std::string state, event, actor;
  std::int64_t stamp_us = 0;
  friend bool operator==(const LivechatTransitionRecord&, const LivechatTransitionRecord&) = default;
};
struct LivechatOfferRecord {
  std::string id, conversation, consultant, state;
  std::int64_t offered_us = 0, expires_us = 0, decided_us = 0;
  friend bool operator==(const LivechatOfferRecord&, const LivechatOfferRecord&) = default;
};
struct LivechatNoteRecord {
  std::string conversation, client, author, text;
  std::int64_t created_us = 0;
  std::string data_class;
  friend bool operator==(const LivechatNoteRecord&, const LivechatNoteRecord&) = default;
};

// Offline tickets and callback requests (schema/*/0014_livechat_tickets.sql). Personal data:
// `client` and `data_class` as for conversations. The phone is E.164.
struct LivechatTicketRecord {
  std::string id, queue, client, state, assignee, name, email, question, answer, notice_version;
  std::int64_t created_us = 0, updated_us = 0;
  std::string data_class;
  friend bool operator==(const LivechatTicketRecord&, const LivechatTicketRecord&) = default;
};
struct LivechatCallbackRecord {
  std::string id, queue, client, state, assignee, name, phone, topic, notice_version;
  std::int64_t slot_start_us = 0, slot_end_us = 0;
  std::int64_t attempts = 0, reminded_us = 0, created_us = 0, updated_us = 0;
  std::string data_class;
  friend bool operator==(const LivechatCallbackRecord&, const LivechatCallbackRecord&) = default;
};

class LivechatStore {
 public:
  virtual ~LivechatStore() = default;
  // Inserts or replaces the conversation and appends `transition` to its history, in one
  // transaction (state, event, actor and stamp of the step that led to this row).
  virtual Task<void> put_conversation(std::string host, LivechatConversationRecord conversation,
                                      LivechatTransitionRecord transition) = 0;
  virtual Task<std::optional<LivechatConversationRecord>> conversation(std::string host, std::string id) = 0;
  // Conversations not closed, oldest first (the queue order).
  virtual Task<std::vector<LivechatConversationRecord>> open_conversations(std::string host) = 0;
  virtual Task<std::vector<LivechatTransitionRecord>> transitions(std::string host, std::string id) = 0;
  // Inserts or replaces an offer.
  virtual Task<void> put_offer(std::string host, LivechatOfferRecord offer) = 0;
  // Offers still pending, oldest first.
  virtual Task<std::vector<LivechatOfferRecord>> pending_offers(std::string host) = 0;
  virtual Task<void> add_note(std::string host, LivechatNoteRecord note) = 0;
  // A conversation's notes, oldest first.
  virtual Task<std::vector<LivechatNoteRecord>> notes(std::string host, std::string conversation) = 0;
  // Adds (present) or removes a tag; adding one that is there keeps it once.
  virtual Task<void> set_tag(std::string host, std::string conversation, std::string tag, std::string author,
                             bool present) = 0;
  // Inserts or replaces a ticket / a callback request.
  virtual Task<void> put_ticket(std::string host, LivechatTicketRecord ticket) = 0;
  virtual Task<void> put_callback(std::string host, LivechatCallbackRecord callback) = 0;
  // Tickets not closed, and callbacks not done or cancelled, oldest first.
  virtual Task<std::vector<LivechatTicketRecord>> open_tickets(std::string host) = 0;
  virtual Task<std::vector<LivechatCallbackRecord>> open_callbacks(std::string host) = 0;
  // A conversation's tags in code-point order.
  virtual Task<std::vector<std::string>> tags(std::string host, std::string conversation) = 0;
};

// Clients of the livechat service and the audit of staff reads (schema/*/0015_livechat_clients.sql,
// 0016_livechat_audit.sql; modules/livechat/clients.hpp). Keys are hashes (kind: token, email,
// phone, facebook); the client id is what conversations, tickets and callbacks hold in `client`.
struct LivechatClientKey {
  std::string kind, hash;
  friend bool operator==(const LivechatClientKey&, const LivechatClientKey&) = default;
};
struct LivechatClientRecord {
  std::string id;
  std::int64_t created_us = 0, last_seen_us = 0;
  std::string data_class;
  bool legal_hold = false;  // DESIGN.md: records under a legal hold are skipped by purge and erasure
  friend bool operator==(const LivechatClientRecord&, const LivechatClientRecord&) = default;
};
struct LivechatClientNoteRecord {
  std::string client, author, text;
  std::int64_t created_us = 0;
  std::string data_class;
  friend bool operator==(const LivechatClientNoteRecord&, const LivechatClientNoteRecord&) = default;
};
struct LivechatAuditRecord {
  std::string actor, action, client;
  std::int64_t stamp_us = 0;
  std::string data_class;
  friend bool operator==(const LivechatAuditRecord&, const LivechatAuditRecord&) = default;
};

class LivechatClientStore {
 public:
  virtual ~LivechatClientStore() = default;
  // The client one of `keys` already names (the oldest such client when they name several), or
  // `fresh` stored as a new one; keys not yet known are recorded for it and its last_seen_us set
  // to fresh.last_seen_us. One write transaction, so two requests with the same key meet.
  virtual Task<std::string> link(std::string host, std::vector<LivechatClientKey> keys,
                                 LivechatClientRecord fresh) = 0;
  virtual Task<std::optional<LivechatClientRecord>> client(std::string host, std::string id) = 0;
  // A client's conversations, tickets and callbacks, oldest first.
  virtual Task<std::vector<LivechatConversationRecord>> conversations_of(std::string host, std::string client) = 0;
  virtual Task<std::vector<LivechatTicketRecord>> tickets_of(std::string host, std::string client) = 0;
  virtual Task<std::vector<LivechatCallbackRecord>> callbacks_of(std::string host, std::string client) = 0;
  virtual Task<void> add_note(std::string host, LivechatClientNoteRecord note) = 0;
  virtual Task<std::vector<LivechatClientNoteRecord>> notes(std::string host, std::string client) = 0;
  virtual Task<void> audit(std::string host, LivechatAuditRecord entry) = 0;
  // The audit rows about a client, oldest first (export; tests).
  virtual Task<std::vector<LivechatAuditRecord>> audit_of(std::string host, std::string client) = 0;
  // Puts a client under legal hold or releases it; false when there is no such client.
  virtual Task<bool> set_legal_hold(std::string host, std::string client, bool held) = 0;
};

// Retention of the livechat service's personal data (DESIGN.md privacy: "every class has a
// retention period with a safe default, and a purge job"; modules/livechat/retention.cpp). Each
// cut-off is a time in microseconds: what finished before it goes. Records of a client under
// legal hold are never purged.
struct LivechatRetentionCutoffs {
  // Closed conversations, with their transitions, offers, notes, tags and feedback.
  std::int64_t conversations_us = 0;
  // Tickets answered or closed, last changed before the cut-off.
  std::int64_t tickets_us = 0;
  // Callbacks done, given up (no_answer) or cancelled, last changed before the cut-off.
  std::int64_t callbacks_us = 0;
  std::int64_t audit_us = 0;
  // Clients last seen before the cut-off with no conversation, ticket or callback left, with
  // their keys and notes.
  std::int64_t clients_us = 0;
};
struct LivechatPurged {
  std::int64_t conversations = 0, tickets = 0, callbacks = 0, audit = 0, clients = 0;
  std::int64_t total() const { return conversations + tickets + callbacks + audit + clients; }
  // True when some kind reached `max`: a slice that may have left more of that kind behind.
  bool any_reached(std::int64_t max) const {
    return conversations >= max || tickets >= max || callbacks >= max || audit >= max || clients >= max;
  }
  LivechatPurged& operator+=(const LivechatPurged& o) {
    conversations += o.conversations;
    tickets += o.tickets;
    callbacks += o.callbacks;
    audit += o.audit;
    clients += o.clients;
    return *this;
  }
  friend bool operator==(const LivechatPurged&, const LivechatPurged&) = default;
};

class LivechatRetentionStore {
 public:
  virtual ~LivechatRetentionStore() = default;
  // Deletes, on `host`, at most `max` records of each kind past its cut-off (oldest first), each
  // kind in a write of its own; called again until it returns fewer than `max` of every kind.
  virtual Task<LivechatPurged> purge(std::string host, LivechatRetentionCutoffs cutoffs, std::int64_t max) = 0;
};

// The end of a livechat conversation from the visitor's side (schema/*/0017_livechat_feedback.sql,
// modules/livechat/conversation_end.hpp): who closed it, the rating, the transcript request and
// the join form's e-mail it goes to. Personal data: `client` and `data_class`.
struct LivechatFeedbackRecord {
  std::string conversation, client, email, closed_by;
  std::int64_t rating = 0;
  std::string comment;
  std::int64_t rated_us = 0;
  std::string transcript = "none";
  std::int64_t transcript_us = 0;
  std::string data_class;
  friend bool operator==(const LivechatFeedbackRecord&, const LivechatFeedbackRecord&) = default;
};
// A consultant's recorded, revocable consent to show visitors the full name and photo
// (schema/*/0018_livechat_profile_consents.sql).
struct LivechatConsentRecord {
  std::string consultant;  // bare JID
  bool granted = false;
  std::int64_t changed_us = 0;
  friend bool operator==(const LivechatConsentRecord&, const LivechatConsentRecord&) = default;
};

class LivechatFeedbackStore {
 public:
  virtual ~LivechatFeedbackStore() = default;
  // Inserts or replaces the conversation's feedback row.
  virtual Task<void> put_feedback(std::string host, LivechatFeedbackRecord feedback) = 0;
  virtual Task<std::optional<LivechatFeedbackRecord>> feedback(std::string host, std::string conversation) = 0;
  // Conversations closed at or after `since_us`, oldest first (the ones still in their rating
  // window at start).
  virtual Task<std::vector<LivechatConversationRecord>> closed_since(std::string host, std::int64_t since_us) = 0;
  // Records a grant or a revocation (the current answer, and a line in the log).
  virtual Task<void> put_consent(std::string host, LivechatConsentRecord consent) = 0;
  virtual Task<std::vector<LivechatConsentRecord>> consents(std::string host) = 0;
};

// XEP-0363 HTTP uploads of one upload host: a slot is granted (pending), claimed by the one PUT
// that may use it (uploading), then holds a stored file until it expires.
enum class UploadState : std::int64_t { slot = 0, uploading = 1, stored = 2 };

struct UploadRecord {
  std::string host;          // the upload service's host (upload.D)
  std::string id;            // the unguessable path part: 128 random bits, hex
  std::string owner;         // whose quota it counts against: an account, or a visitor's conversation room
  std::string filename;      // as the client named it
  std::string content_type;
  std::int64_t size = 0;     // bytes, as granted
  std::string token_hash;    // SHA-256 of the PUT's bearer token (raw bytes)
  UploadState state = UploadState::slot;
  std::int64_t created_us = 0;
  std::int64_t slot_expires_us = 0;  // the PUT must start before this
  std::int64_t expires_us = 0;       // the record (and file) goes at this time
  std::string client;                // a visitor's client id (livechat); '' for an account's file
  friend bool operator==(const UploadRecord&, const UploadRecord&) = default;
};

class UploadStore {
 public:
  virtual ~UploadStore() = default;
  // Stores the slot when the owner's slots and files on the host plus this one stay within
  // `quota_bytes`, checked in the same write; false (nothing stored) otherwise.
  virtual Task<bool> create_slot(UploadRecord slot, std::uint64_t quota_bytes) = 0;
  virtual Task<std::optional<UploadRecord>> find(std::string host, std::string id) = 0;
  // Moves a slot that is still unused and unexpired at `now_us` to `uploading`, to expire at
  // `expires_us`; true for exactly one caller (a slot is used once).
  virtual Task<bool> claim(std::string host, std::string id, std::int64_t now_us, std::int64_t expires_us) = 0;
  virtual Task<void> set_state(std::string host, std::string id, UploadState state) = 0;
  virtual Task<void> remove(std::string host, std::string id) = 0;
  // Records of the host whose time has come (expires_us <= now_us), at most `max`, oldest first.
  virtual Task<std::vector<UploadRecord>> expired(std::string host, std::int64_t now_us, std::int64_t max) = 0;
  // Records of the host owned by `owner` (a bare JID), at most `max`.
  virtual Task<std::vector<UploadRecord>> owned_by(std::string host, std::string owner, std::int64_t max) = 0;
};

class Storage {
 public:
  virtual ~Storage() = default;
  virtual AccountStore& accounts() = 0;
  virtual RosterStore& roster() = 0;
  virtual OfflineStore& offline() = 0;
  virtual XmlStore& xml() = 0;
  virtual BlockStore& blocks() = 0;
  virtual PepStore& pep() = 0;
  virtual MucStore& muc() = 0;
  virtual LivechatStore& livechat() = 0;
  virtual LivechatClientStore& livechat_clients() = 0;
  virtual LivechatFeedbackStore& livechat_feedback() = 0;
  virtual LivechatRetentionStore& livechat_retention() = 0;
  virtual UploadStore& uploads() = 0;
  // The message archive (xmppd/archive.hpp); modules use Server::archive(), which orders writes.
  virtual ArchiveStore& archive() = 0;
  // Applies pending migrations from schema/<backend>/ (recorded in schema_version); returns
  // the versions applied. Called at start and by `xmppctl migrate`.
  virtual std::vector<std::string> migrate() = 0;
  // Stops the backend's threads; pending writes are committed first.
  virtual void stop() = 0;
  // Admission of `bytes` of work the caller holds (a stanza waiting to be stored) until storage
  // has taken it: a ticket to keep until then, or nullptr when pending storage work has reached
  // its bound (limits.storage_pending_max / storage_pending_bytes, e.g. during a database
  // outage). Then answer wait/resource-constraint (RFC 6120 §8.3.3.18) and do not acknowledge
  // the stanza as stored.
  virtual std::shared_ptr<void> admit(std::size_t bytes) = 0;
};

}  // namespace xmppd
