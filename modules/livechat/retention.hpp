// Retention of the livechat service's personal data (DESIGN.md privacy: "every class has a
// retention period with a safe default, and a purge job"; issue 6: every personal record carries
// its client and data class "so export, erasure and retention can find all of it").
//
// Each period is an option of chat.D with a default of two years, one year for callbacks (a
// phone number and a time slot, done once called). What counts is when the record finished:
// a conversation's close, a ticket's or callback's last change in a final state, an audit row's
// time, a client's last visit. The conversation's room messages are the archive's (module mam,
// `archive_expires_after` on chat.D, also two years); its uploads are the upload module's. The
// search records of notes, tags and tickets in the archive go with their period, counted from
// when they were written. A client under legal hold (xmppd/storage.hpp LivechatClientRecord,
// the XEP-0050 command `legal-hold`) keeps everything.
#pragma once
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "xmppd/module.hpp"
#include "xmppd/periodic_job.hpp"
#include "xmppd/storage.hpp"

namespace xmppd::livechat {

struct RetentionPeriods {
  std::chrono::milliseconds conversations{std::chrono::hours(24 * 730)};
  std::chrono::milliseconds tickets{std::chrono::hours(24 * 730)};
  std::chrono::milliseconds callbacks{std::chrono::hours(24 * 365)};
  std::chrono::milliseconds audit{std::chrono::hours(24 * 730)};
  std::chrono::milliseconds clients{std::chrono::hours(24 * 730)};
  std::chrono::milliseconds purge_interval{std::chrono::hours(1)};
};

// The `*_expire_after` and `purge_interval` options the livechat module declares.
std::vector<OptionSpec> retention_options();
RetentionPeriods read_retention(const Options& o);

// The cut-offs of a purge at `now_us`.
LivechatRetentionCutoffs cutoffs_at(const RetentionPeriods& p, std::int64_t now_us);

// Runs the purge on `host` every purge_interval while it lives.
class RetentionJob {
 public:
  RetentionJob(Server& server, std::string host, RetentionPeriods periods);

 private:
  PeriodicJob job_;
};

}  // namespace xmppd::livechat
