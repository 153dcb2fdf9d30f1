// The livechat retention job (retention.hpp).
#include "retention.hpp"

#include "xmppd/archive.hpp"
#include "xmppd/log.hpp"
#include "xmppd/options.hpp"
#include "xmppd/server.hpp"

namespace xmppd::livechat {
namespace {

constexpr std::int64_t kSlice = 500;  // records of a kind in one write

std::int64_t us(std::chrono::milliseconds d) { return std::int64_t(d.count()) * 1000; }

Task<void> purge(Server& server, const std::string& host, const RetentionPeriods& periods) {
  std::int64_t now = server.now_us();
  LivechatRetentionCutoffs cut = cutoffs_at(periods, now);
  LivechatPurged total;
  for (;;) {
    LivechatPurged n = co_await server.storage().livechat_retention().purge(host, cut, kSlice);
    total += n;
    if (!n.any_reached(kSlice)) break;
  }
  // The search records the service wrote into the one archive (staff_search.cpp, offline_desk.cpp).
  std::int64_t records = 0;
  records += co_await server.archive().purge("livechat_note", cut.conversations_us, host);
  records += co_await server.archive().purge("livechat_tag", cut.conversations_us, host);
  records += co_await server.archive().purge("livechat_ticket", cut.tickets_us, host);
  if (total.total() > 0 || records > 0)
    log::info("livechat", "retention: purged ", total.conversations, " conversations, ", total.tickets, " tickets, ",
              total.callbacks, " callbacks, ", total.audit, " audit entries, ", total.clients, " clients, ", records,
              " search records");
}

}  // namespace

std::vector<OptionSpec> retention_options() {
  return {
      {"conversations_expire_after", OptionType::duration, "730d", 1000, INT64_MAX,
       "closed conversations are deleted this long after their close, with their notes, tags, rating and "
       "transcript request (data classes livechat_conversation, livechat_note, livechat_tag, livechat_feedback; "
       "the room's messages follow the mam module's archive_expires_after)"},
      {"tickets_expire_after", OptionType::duration, "730d", 1000, INT64_MAX,
       "answered or closed tickets are deleted this long after their last change (data class livechat_ticket)"},
      {"callbacks_expire_after", OptionType::duration, "365d", 1000, INT64_MAX,
       "finished callback requests (done, no answer, cancelled) are deleted this long after their last change "
       "(data class livechat_callback)"},
      {"audit_expire_after", OptionType::duration, "730d", 1000, INT64_MAX,
       "entries of the audit log of staff reads are deleted this long after they were written (data class audit)"},
      {"clients_expire_after", OptionType::duration, "730d", 1000, INT64_MAX,
       "a client with no conversation, ticket or callback left is deleted this long after its last visit, with "
       "its keys and notes (data classes livechat_client, livechat_client_note)"},
      {"purge_interval", OptionType::duration, "1h", 1000, INT64_MAX,
       "how often the retention purge runs (clients under legal hold are skipped)"},
  };
}

RetentionPeriods read_retention(const Options& o) {
  RetentionPeriods p;
  p.conversations = o.duration("conversations_expire_after");
  p.tickets = o.duration("tickets_expire_after");
  p.callbacks = o.duration("callbacks_expire_after");
  p.audit = o.duration("audit_expire_after");
  p.clients = o.duration("clients_expire_after");
  p.purge_interval = o.duration("purge_interval");
  return p;
}

LivechatRetentionCutoffs cutoffs_at(const RetentionPeriods& p, std::int64_t now_us) {
  return {now_us - us(p.conversations), now_us - us(p.tickets), now_us - us(p.callbacks), now_us - us(p.audit),
          now_us - us(p.clients)};
}

RetentionJob::RetentionJob(Server& server, std::string host, RetentionPeriods periods)
    : job_(server, periods.purge_interval,
           [&server, host = std::move(host), periods] { return purge(server, host, periods); },
           "livechat retention purge") {}

}  // namespace xmppd::livechat
