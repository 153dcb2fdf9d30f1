// XEP-0050 Ad-Hoc Commands 1.3: commands and sessions of one host (see adhoc_sessions.hpp).
#include "adhoc_sessions.hpp"

#include <algorithm>
#include <stdexcept>

#include "xmppd/namespaces.hpp"

namespace xmppd {
namespace {

std::optional<AdhocAction> action_from(std::string_view s) {
  if (s.empty() || s == "execute") return AdhocAction::execute;  // §3.2: execute is implied
  if (s == "next") return AdhocAction::next;
  if (s == "prev") return AdhocAction::prev;
  if (s == "complete") return AdhocAction::complete;
  if (s == "cancel") return AdhocAction::cancel;
  return std::nullopt;
}

const char* note_type(AdhocNote::Type t) {
  switch (t) {
    case AdhocNote::Type::warn: return "warn";
    case AdhocNote::Type::error: return "error";
    default: return "info";
  }
}

// §4.6
StanzaError bad_action() { return adhoc_error("modify", "bad-request", "bad-action"); }
StanzaError bad_sessionid() { return adhoc_error("modify", "bad-request", "bad-sessionid"); }
StanzaError session_expired() { return adhoc_error("cancel", "not-allowed", "session-expired"); }
StanzaError malformed_action() { return adhoc_error("modify", "bad-request", "malformed-action"); }

bool offered_by(const AdhocCommand& c, const Jid& target) {
  if (!target.resource().empty()) return false;
  if (!c.serves) return target.local().empty();
  return !target.local().empty() && c.serves(target);
}

}  // namespace

void AdhocSessions::add(std::uint64_t owner, AdhocCommand command) {
  for (const auto& e : commands_)
    if (e.command.node == command.node) throw std::runtime_error("two modules add the command node " + command.node);
  commands_.push_back({owner, std::move(command)});
}

void AdhocSessions::remove_owned(const std::function<bool(std::uint64_t)>& mine) {
  std::erase_if(commands_, [&](const Entry& e) { return mine(e.owner); });
}

bool AdhocSessions::on_host() const {
  return std::any_of(commands_.begin(), commands_.end(), [](const Entry& e) { return !e.command.serves; });
}

bool AdhocSessions::serves(const Jid& target) const {
  return std::any_of(commands_.begin(), commands_.end(), [&](const Entry& e) { return offered_by(e.command, target); });
}

const AdhocCommand* AdhocSessions::find(std::string_view node, const Jid& target) const {
  for (const auto& e : commands_)
    if (e.command.node == node && offered_by(e.command, target)) return &e.command;
  return nullptr;
}

Element AdhocSessions::items(const Jid& requester, const Jid& target) const {
  Element q("query", ns::kDiscoItems);
  q.set_attr("node", ns::kCommands);  // mirrored (XEP-0030 §3.2; some clients require it)
  for (const auto& e : commands_) {
    const AdhocCommand& c = e.command;
    // §2.2: only the commands this requester may execute.
    if (!offered_by(c, target) || (c.allowed && !c.allowed(requester, target))) continue;
    q.add_child("item", ns::kDiscoItems).set_attr("jid", target.bare_str()).set_attr("node", c.node).set_attr("name", c.name);
  }
  return q;
}

IqResult AdhocSessions::info(std::string_view node, const Jid& requester, const Jid& target) const {
  const AdhocCommand* c = find(node, target);
  if (!c) return StanzaError::item_not_found();
  if (c->allowed && !c->allowed(requester, target)) return StanzaError::forbidden();
  // §2.3: a command node is an automation/command-node speaking commands and data forms.
  Element q("query", ns::kDiscoInfo);
  q.set_attr("node", std::string(node));
  q.add_child("identity", ns::kDiscoInfo).set_attr("category", "automation").set_attr("type", "command-node").set_attr("name", c->name);
  q.add_child("feature", ns::kDiscoInfo).set_attr("var", ns::kCommands);
  q.add_child("feature", ns::kDiscoInfo).set_attr("var", ns::kDataForms);
  return IqResult::ok(std::move(q));
}

void AdhocSessions::remember_expired(const std::string& id) {
  expired_.push_back(id);
  while (expired_.size() > limits_.expired_remembered) expired_.pop_front();
}

void AdhocSessions::sweep(std::int64_t now_us) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (!it->second.busy && it->second.expires_us <= now_us) {
      remember_expired(it->first);
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
}

// Room for one more session of `requester`: its oldest idle one goes at the limit.
std::optional<StanzaError> AdhocSessions::open_room_for(const std::string& requester) {
  auto oldest = sessions_.end();
  std::size_t mine = 0;
  for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
    if (it->second.requester != requester) continue;
    ++mine;
    if (!it->second.busy && (oldest == sessions_.end() || it->second.opened_us < oldest->second.opened_us)) oldest = it;
  }
  if (mine >= limits_.per_requester) {
    if (oldest == sessions_.end()) return StanzaError::resource_constraint();
    remember_expired(oldest->first);
    sessions_.erase(oldest);
  }
  if (sessions_.size() >= limits_.total) return StanzaError::resource_constraint();
  return std::nullopt;
}

void AdhocSessions::forget(const Jid& requester) {
  std::string who = requester.str();
  std::erase_if(sessions_, [&](const auto& kv) { return kv.second.requester == who && !kv.second.busy; });
}

Element AdhocSessions::render(const std::string& node, const std::string& sessionid, const AdhocStep& step,
                              bool first) const {
  Element c("command", ns::kCommands);
  c.set_attr("node", node).set_attr("sessionid", sessionid);
  c.set_attr("status", step.completed ? "completed" : "executing");
  if (!step.completed) {
    // §3.4: the actions this stage accepts; 'execute' names the default.
    Element& a = c.add_child("actions", ns::kCommands);
    a.set_attr("execute", step.last_stage ? "complete" : "next");
    if (!first) a.add_child("prev", ns::kCommands);
    a.add_child(step.last_stage ? "complete" : "next", ns::kCommands);
  }
  for (const auto& n : step.notes) c.add_child("note", ns::kCommands).set_attr("type", note_type(n.type)).add_text(n.text);
  if (step.form) c.add(*step.form);
  return c;
}

Task<IqResult> AdhocSessions::execute(Jid requester, Jid target, Element command, std::int64_t now_us,
                                      std::string fresh_id) {
  sweep(now_us);
  std::string node(command.attr("node"));
  auto action = action_from(command.attr("action"));
  if (!action) co_return malformed_action();
  const AdhocCommand* cmd = find(node, target);
  if (!cmd) co_return StanzaError::item_not_found();
  if (cmd->allowed && !cmd->allowed(requester, target)) co_return StanzaError::forbidden();
  auto run = cmd->run;  // a copy: the module may stop while the stage is computed
  std::string sid(command.attr("sessionid"));

  if (sid.empty()) {
    // §3.2: a session starts with execute; anything else needs one.
    if (*action != AdhocAction::execute) co_return bad_action();
    if (auto e = open_room_for(requester.str())) co_return *e;
    // The request and the awaitable are named: GCC 12 destroys temporaries of a co_await
    // expression twice.
    auto stage = run(AdhocRequest{requester, target, {}});
    AdhocStep step = co_await std::move(stage);
    if (step.error) co_return *step.error;
    if (!step.completed) {
      if (auto e = open_room_for(requester.str())) co_return *e;  // others may have opened meanwhile
      Session s;
      s.requester = requester.str();
      s.target = target.bare_str();
      s.node = node;
      s.opened_us = now_us;
      s.expires_us = now_us + limits_.idle_us;
      s.shown.push_back(step);
      sessions_.emplace(fresh_id, std::move(s));
    }
    co_return IqResult::ok(render(node, fresh_id, step, true));
  }

  auto it = sessions_.find(sid);
  if (it == sessions_.end())
    co_return std::find(expired_.begin(), expired_.end(), sid) != expired_.end() ? session_expired() : bad_sessionid();
  Session& s = it->second;
  // §3.3: a session is the requester's (full JID) and the command's; anyone else's id is unknown.
  if (s.requester != requester.str() || s.node != node || s.target != target.bare_str()) co_return bad_sessionid();
  if (s.busy) co_return StanzaError::resource_constraint();
  s.expires_us = now_us + limits_.idle_us;

  if (*action == AdhocAction::cancel) {  // §3.5
    sessions_.erase(it);
    Element c("command", ns::kCommands);
    c.set_attr("node", node).set_attr("sessionid", sid).set_attr("status", "canceled");
    co_return IqResult::ok(std::move(c));
  }
  if (*action == AdhocAction::prev) {  // §3.4: the previous stage again, its form as it was
    if (s.shown.size() < 2) co_return bad_action();
    s.shown.pop_back();
    s.submitted.pop_back();
    co_return IqResult::ok(render(node, sid, s.shown.back(), s.shown.size() == 1));
  }
  const AdhocStep& current = s.shown.back();
  AdhocAction wanted = *action;
  if (wanted == AdhocAction::execute) wanted = current.last_stage ? AdhocAction::complete : AdhocAction::next;
  if ((wanted == AdhocAction::next) == current.last_stage) co_return bad_action();  // not offered
  const Element* x = command.child("x", ns::kDataForms);
  if (!x || x->attr("type") != "submit") co_return adhoc_bad_payload("a submitted data form is expected");

  std::vector<Element> submitted = s.submitted;
  submitted.push_back(*x);
  s.busy = true;
  AdhocStep step;
  try {
    auto stage = run(AdhocRequest{requester, target, submitted});
    step = co_await std::move(stage);
  } catch (...) {
    if (auto again = sessions_.find(sid); again != sessions_.end()) again->second.busy = false;
    throw;
  }
  it = sessions_.find(sid);
  if (it == sessions_.end()) co_return session_expired();
  it->second.busy = false;
  if (step.error) co_return *step.error;  // the stage stays: the requester may correct the form
  if (step.completed) {
    sessions_.erase(it);
  } else {
    it->second.submitted = std::move(submitted);
    it->second.shown.push_back(step);
  }
  co_return IqResult::ok(render(node, sid, step, false));
}

}  // namespace xmppd
