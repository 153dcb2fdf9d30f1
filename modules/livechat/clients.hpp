// Clients and staff rights of the livechat service (issue 6: "Clients: the person behind
// conversations, tickets and callbacks, linked by conversation token, e-mail, phone or Facebook
// id"; "staff see what their role and queues allow").
//
// A client is a stored row (LivechatClientStore, schema/*/0015_livechat_clients.sql) with a
// time-ordered id; keys link a visitor to it. Keys are SHA-256 hashes only: of the conversation
// token (already a hash), of the normalised e-mail address, of the E.164 number. So the same
// e-mail in a join form, a ticket or a callback finds the same client, and the address itself is
// stored only where a feature needs it (a ticket's answer goes to it).
//
// Roles: a consultant (a member of a queue) reads the records of its queues; a supervisor or an
// administrator (options `supervisors`, `administrators`) reads all; anyone else nothing.
#pragma once
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "queue_config.hpp"
#include "xmppd/storage.hpp"

namespace xmppd {
class Options;
}

namespace xmppd::livechat {

inline constexpr char kClientDataClass[] = "livechat_client";
inline constexpr char kClientNoteDataClass[] = "livechat_client_note";
inline constexpr char kAuditDataClass[] = "audit";

// The key of a conversation token, given its SHA-256 (hex).
LivechatClientKey token_key(const std::string& token_hash);
// The key of an e-mail address: trimmed and lower-cased (addresses are compared without case
// in practice), then SHA-256. nullopt when it is not an address (one '@', no spaces, ≤ 254).
std::optional<LivechatClientKey> email_key(std::string_view email);
// The key of a phone number in E.164 (phone_number.hpp normalises it first).
LivechatClientKey phone_key(const std::string& e164);
// A new client row at `now_us`.
LivechatClientRecord new_client(std::int64_t now_us);

enum class StaffRole { none, consultant, supervisor, administrator };
const char* to_string(StaffRole r);

struct StaffRoles {
  std::set<std::string> supervisors, administrators;  // bare JIDs
};
// Options `supervisors` and `administrators`: bare JIDs or usernames of `account_domain`.
// Throws std::invalid_argument naming the option and the entry.
StaffRoles read_staff_roles(const Options& options, const std::string& account_domain);

// The strongest role of `bare`: administrator, supervisor, consultant (a queue member), none.
StaffRole role_of(const std::vector<QueueConfig>& queues, const StaffRoles& roles, const std::string& bare);
// The queues whose conversations, notes, tags, tickets and callbacks `bare` may read, in the
// configured order: every queue for a supervisor or an administrator, its own for a consultant.
std::vector<std::string> readable_queues(const std::vector<QueueConfig>& queues, const StaffRoles& roles,
                                         const std::string& bare);

}  // namespace xmppd::livechat
