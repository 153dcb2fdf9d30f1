// The message archive (issue 5; XEP-0313 MAM, XEP-0359 stanza ids, XEP-0431 full-text search):
// one table for every archive (accounts, rooms, later livechat conversations), keyed by a
// time-ordered 64-bit id. Modules reach it through Server::archive().
//
// How a record flows:
//   hook on the routing path (I/O thread) --reserve()--> id, stamped as <stanza-id/> before
//       fan-out; then commit(id, record) — or release(id) when it turns out not to be archived
//   Archive: reserved ids queue in id order; the oldest run of decided ids is written as one
//       job through the storage engine's group commit, so ids are committed in id order and
//       `after-id` paging never skips a row that commits later.
//   on_durable(nullptr) once the row is committed (a XEP-0198 ack hold may be released then),
//       or on_durable(error) when it could not be written after retries (logged, never silent).
#pragma once
#include <cstdint>
#include <functional>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xmppd/awaitable.hpp"

namespace xmppd {

// Archive ids (XEP-0359 stanza ids, XEP-0059 positions) travel as decimal text. At most 18
// digits, so the value always fits; anything else is not an id.
inline std::optional<std::int64_t> parse_archive_id(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

enum class ArchiveDirection { incoming = 0, outgoing = 1, room = 2 };

// One archived stanza. Every personal record carries a client and a data class (DESIGN.md).
struct ArchiveRecord {
  std::int64_t id = 0;          // the XEP-0359 stanza id; its time: microseconds since the epoch
  std::string owner;            // the archive: an account's bare JID, or a room's bare JID
  std::string with;             // the other party's bare JID (rooms: the sender's occupant JID)
  std::string with_resource;    // the other party's resource, when known
  ArchiveDirection direction = ArchiveDirection::incoming;
  std::int64_t stamp_us = 0;    // when it was archived (retention); 0: now
  std::string xml;              // the stanza as serialised (jabber:client)
  std::string text;             // what search finds it by (the body); folded by the archive
  std::optional<std::string> conversation, client, queue, channel;  // livechat, later
  std::string data_class = "message";  // retention and purge go by class
  friend bool operator==(const ArchiveRecord&, const ArchiveRecord&) = default;
};

// A query on one archive: XEP-0313 §4.1 form fields and XEP-0059 result set management.
// Every bound is exclusive except start/end (inclusive, XEP-0313 §4.1.1).
struct ArchiveQuery {
  std::string owner;                        // required: an archive is read only by its owner
  // Further archives read together with `owner`, as one ordered result (e.g. the rooms or
  // queues a consultant may read: "3 of 10 rooms"); the caller has checked the right to each.
  std::vector<std::string> more_owners;
  // Livechat staff search (issue 6): when not empty, the records of these livechat queues (the
  // record's `queue`), whatever archive holds them, instead of `owner`/`more_owners`; read through
  // the archive_queue (queue, id) index or the search index. The caller has checked the right.
  std::vector<std::string> queues;
  // Livechat staff search filters, with `queues`: the records of one channel (web, facebook,
  // email), and the records of conversations that carry `tag` now (the livechat_tags rows of the
  // service's host, given as `owner`). Read through the indexes of migration 0023.
  std::optional<std::string> channel;
  std::optional<std::string> tag;
  std::optional<std::string> with;          // bare JID; with `with_resource`: one full JID
  std::optional<std::string> with_resource;
  std::optional<std::int64_t> start_us, end_us;
  std::optional<std::int64_t> after_id, before_id;  // form fields after-id, before-id
  std::vector<std::int64_t> ids;            // XEP-0313 §4.1.4 ids: only these
  std::optional<std::string> fulltext;      // XEP-0431: words, "prefix*", "a phrase"
  // XEP-0059 paging within the results above: <after/>, <before/>, <max/>.
  std::optional<std::int64_t> page_after, page_before;
  std::size_t max = 50;
  bool from_end = false;  // XEP-0059 §2.5 <before/>: the last page (newest) instead of the first
  bool want_count = true;  // count and first index (two more index reads)
};

struct ArchivePage {
  std::vector<ArchiveRecord> records;  // in id (chronological) order
  // XEP-0313 §4.3: nothing more in the direction of paging (forwards: after the last record;
  // from_end: before the first).
  bool complete = true;
  std::optional<std::int64_t> count;        // XEP-0059 §2.1: all results of the query
  std::optional<std::int64_t> first_index;  // XEP-0059 §2.4: position of the first record
};

// One retention run over one host's archives (Archive::purge; DESIGN.md privacy: "every class
// has a retention period with a safe default, and a purge job").
struct ArchivePurge {
  std::string data_class;
  std::string host;            // the archives whose owner is a bare JID ending in "@host"
  std::int64_t before_us = 0;  // the host's period: records archived before this go
  // Records covered by an own period (Archive::set_own_periods) are left out of `before_us`; with
  // `now_us` those archived more than that period before it go, without it they are not touched.
  std::optional<std::int64_t> now_us;
  std::int64_t own_period_max_us = INT64_MAX;  // an own period counts at most this long
};

// An archive's own retention period for one data class (issue 5, per-room archive periods: a room
// owner chooses the room's, the mam module bounds it), instead of its host's. It covers the
// records archived (ids are times) from `since_us` on, and until `until_us` once it ended (the room
// was destroyed): a room of the same name created later has its own. Where periods overlap, the
// shorter wins (a record goes when any period covering it has passed).
struct ArchiveOwnPeriod {
  std::string owner;                     // the archive (a bare JID)
  std::string data_class = "message";
  std::int64_t since_us = 0;             // e.g. the room's creation
  std::optional<std::int64_t> until_us;  // unset: open, also for records archived later
  std::optional<std::int64_t> keep_us;   // microseconds; unset: removes the period (owner, since)
  friend bool operator==(const ArchiveOwnPeriod&, const ArchiveOwnPeriod&) = default;
};

class Archive {
 public:
  virtual ~Archive() = default;
  // A new id, greater than every id before it (also across restarts); the caller must then
  // commit() or release() it, soon: later ids wait for it to be written in order.
  virtual std::int64_t reserve() = 0;
  // Queues the record under its reserved id (record.id is set to it).
  virtual void commit(std::int64_t id, ArchiveRecord record,
                      std::function<void(std::exception_ptr)> on_durable = {}) = 0;
  // The reserved id will not be used.
  virtual void release(std::int64_t id) = 0;
  // reserve() and commit() in one: for a record no decision waits on (rooms, livechat).
  std::int64_t append(ArchiveRecord record, std::function<void(std::exception_ptr)> on_durable = {}) {
    std::int64_t id = reserve();
    commit(id, std::move(record), std::move(on_durable));
    return id;
  }
  // Reads one archive. Throws StorageError.
  virtual Task<ArchivePage> query(ArchiveQuery query) = 0;
  // Deletes the records of one data class of one host's archives that are past their period
  // (ArchivePurge), except those of a livechat client under legal hold, then has the search index
  // drop what it no longer needs; returns how many were deleted.
  virtual Task<std::int64_t> purge(ArchivePurge purge) = 0;
  // The records of `data_class` archived before `before_us` whose owner is on `host` (each host
  // has its own period) and has no period of its own.
  Task<std::int64_t> purge(std::string data_class, std::int64_t before_us, std::string host) {
    return purge(ArchivePurge{std::move(data_class), std::move(host), before_us, std::nullopt, INT64_MAX});
  }
  // Sets (or, with keep_us unset, removes) archives' own periods, in one write. They are stored:
  // they hold across restarts, and once ended for the records the owner (a room) left.
  virtual Task<void> set_own_periods(std::vector<ArchiveOwnPeriod> periods) = 0;
  // After a restart: every open period of `host`'s archives ends at `ended_us` (its owner may be
  // gone: a temporary room is), then `open` (the owners still there) are set, in one write.
  virtual Task<void> reset_own_periods(std::string host, std::int64_t ended_us, std::vector<ArchiveOwnPeriod> open) = 0;
};

// The storage side, implemented by each backend (xmppd/storage.hpp Storage::archive()).
class ArchiveStore {
 public:
  virtual ~ArchiveStore() = default;
  // Writes the records in the order given, in one group-committed job; folds their text.
  virtual Task<void> append(std::vector<ArchiveRecord> records) = 0;
  virtual Task<ArchivePage> query(ArchiveQuery query) = 0;
  virtual Task<std::int64_t> purge(ArchivePurge purge) = 0;
  Task<std::int64_t> purge(std::string data_class, std::int64_t before_us, std::string host) {
    return purge(ArchivePurge{std::move(data_class), std::move(host), before_us, std::nullopt, INT64_MAX});
  }
  virtual Task<void> set_own_periods(std::vector<ArchiveOwnPeriod> periods) = 0;
  virtual Task<void> reset_own_periods(std::string host, std::int64_t ended_us, std::vector<ArchiveOwnPeriod> open) = 0;
  // The greatest id stored (0 when none). Blocking: called once at start, before any append.
  virtual std::int64_t newest_id() = 0;
};

}  // namespace xmppd
