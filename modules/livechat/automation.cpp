// The service's events and the automation on them (automation.hpp, issue 6 "Events"): the
// greeting and the "all busy" message when a visitor joins, and the inactivity warning and close.
// Their texts are groupchat messages from the room itself (its bare JID, no nick: MucRooms
// send_message), so they are in the conversation's history and transcript like everything else.
//
// The inactivity clocks live in memory: after a restart each active conversation's clock starts
// again from the restart (a visitor gets at most one more full warning period, never less).
#include "livechat_service.hpp"
#include "xmppd/asio.hpp"
#include "xmppd/log.hpp"
#include "xmppd/server.hpp"

namespace xmppd::livechat {

void Service::emit(EventKind kind, const Conversation& c, const std::string& actor, bool from_visitor) {
  events_.emit(Event{kind, c, actor, from_visitor, server_.now_us()});
}

// The position the visitor was last told (send_positions, in serving order), so the estimate
// and the <queue position/> never disagree; 1 before the first.
int Service::position_of(const Conversation& c) const {
  auto it = positions_sent_.find(c.id);
  return it == positions_sent_.end() ? 1 : it->second;
}

void Service::say_in_room(const Conversation& c, const std::string& text) {
  if (text.empty()) return;
  if (auto* muc = rooms()) muc->send_message(room_of(c), "", text);
}

// The built-in automation: subscribed once in start().
void Service::on_event(const Event& e) {
  const Conversation& c = e.conversation;
  switch (e.kind) {
    case EventKind::queued: {
      say_in_room(c, settings_.texts.greeting);
      auto now = state_->conversation(c.id);
      if (!now || now->state != ConversationState::queued) break;  // already offered: someone is free
      auto wait = waits_.estimate(c.queue, position_of(*now), e.at_us);
      say_in_room(c, wait ? fill(settings_.texts.busy, "wait", wait_text(*wait)) : settings_.texts.busy_unknown);
      break;
    }
    case EventKind::answered:
      waits_.answered(c.queue, e.at_us);
      idle_clocks_[c.id] = IdleClock{e.at_us, 0};
      break;
    case EventKind::message:
      // The visitor wrote: nothing waits for it. Staff wrote: the visitor's turn from now.
      if (c.state != ConversationState::active) break;
      idle_clocks_[c.id] = e.from_visitor ? IdleClock{} : IdleClock{e.at_us, 0};
      break;
    case EventKind::closed:
      idle_clocks_.erase(c.id);
      break;
    case EventKind::offered:
    case EventKind::idle:
      break;
  }
}

Task<void> Service::idle_sweep() {
  auto alive = alive_;
  auto self = shared_from_this();
  const auto& p = settings_.idle;
  if (p.warn_after.count() == 0) co_return;
  // A tenth of the shorter step, between 1 s and 30 s: the warning comes at most that late.
  auto shortest = p.close_after.count() > 0 ? std::min(p.warn_after, p.close_after) : p.warn_after;
  auto period = std::clamp(shortest / 10, std::chrono::milliseconds(1000), std::chrono::milliseconds(30000));
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (*alive) {
    timer.expires_after(period);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (!*alive) co_return;
    check_idle();
  }
}

void Service::check_idle() {
  std::int64_t now = server_.now_us();
  for (const auto& c : state_->open_conversations()) {
    if (c.state != ConversationState::active) continue;
    auto [it, fresh] = idle_clocks_.try_emplace(c.id, IdleClock{now, 0});  // restored: starts now
    if (fresh) continue;
    switch (idle_step(settings_.idle, it->second, now)) {
      case IdleStep::none:
        break;
      case IdleStep::warn: {
        it->second.warned_us = now;
        auto minutes = std::max<std::int64_t>(1, (settings_.idle.close_after.count() + 59999) / 60000);
        say_in_room(c, fill(settings_.texts.idle_warning, "minutes", std::to_string(minutes)));
        emit(EventKind::idle, c, "service");
        break;
      }
      case IdleStep::close:
        say_in_room(c, settings_.texts.idle_closed);
        log::info("livechat", "conversation ", c.id, " closed after inactivity");
        close(c, "service", ClosedBy::service);
        break;
    }
  }
}

}  // namespace xmppd::livechat
