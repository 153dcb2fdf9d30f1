// The livechat service's queue lengths on /metrics (issue 4: "queue lengths once livechat
// exists"; xmppd/metrics.hpp, Prometheus text format 0.0.4): per host and queue, the visitors
// waiting, offers pending, conversations active, consultants available, and the open tickets and
// callbacks. Read from the in-memory state on the I/O thread the service runs on, at each scrape.
#include <map>

#include "livechat_service.hpp"

namespace xmppd::livechat {

namespace {

struct QueueCounts {
  int waiting = 0, offers = 0, active = 0, available = 0, tickets = 0, callbacks = 0;
};

}  // namespace

void Service::write_metrics(MetricsWriter& out) const {
  // Before the stored state is loaded every count would read 0: better no sample than a wrong one.
  if (!loaded_) return;
  std::map<std::string, QueueCounts> counts;
  for (const auto& q : settings_.queues) {
    auto& n = counts[q.name];
    for (const auto& m : q.members)
      if (routable_consultant(m)) ++n.available;  // presence and agent status (handoff.cpp)
  }
  std::map<std::string, std::string> queue_of;  // conversation id -> queue, for the offers
  for (const auto& c : state_->open_conversations()) {
    queue_of[c.id] = c.queue;
    // Waiting: joined and not yet answered, whether or not an offer is out for it.
    if (c.state == ConversationState::queued || c.state == ConversationState::offered) ++counts[c.queue].waiting;
    if (c.state == ConversationState::active) ++counts[c.queue].active;
  }
  for (const auto& o : state_->pending_offers())
    if (auto it = queue_of.find(o.conversation); it != queue_of.end()) ++counts[it->second].offers;
  for (const auto& t : state_->open_tickets()) ++counts[t.queue].tickets;
  for (const auto& c : state_->open_callbacks()) ++counts[c.queue].callbacks;

  for (const auto& [queue, n] : counts) {
    MetricLabels labels = {{"host", settings_.host}, {"queue", queue}};
    out.gauge("xmppd_livechat_waiting", "Visitors in a livechat queue whose conversation no consultant has answered yet.",
              labels, n.waiting);
    out.gauge("xmppd_livechat_offers_pending", "Offers of a queue's conversations waiting for a consultant's answer.",
              labels, n.offers);
    out.gauge("xmppd_livechat_active", "Answered livechat conversations not yet closed.", labels, n.active);
    out.gauge("xmppd_livechat_consultants_available",
              "Members of a livechat queue with at least one available resource.", labels, n.available);
    out.gauge("xmppd_livechat_tickets_open", "Offline tickets of a queue not yet closed.", labels, n.tickets);
    out.gauge("xmppd_livechat_callbacks_open", "Callback requests of a queue not yet finished.", labels, n.callbacks);
  }
}

}  // namespace xmppd::livechat
