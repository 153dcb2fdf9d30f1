// XEP-0050 Ad-Hoc Commands 1.3 as a module sees it. A module adds commands with
// ModuleContext::add_command (undone when it stops); the core answers their discovery (§2.1 the
// feature on the host, §2.2 disco#items on the commands node listing only what the requester may
// execute, §2.3 disco#info on a command node) and runs their sessions (§3, §4): session ids,
// status, <actions/>, prev/next/complete/cancel, expiry and the §4.6 errors. A command's handler
// is stateless: it gets every form submitted so far and says what the next stage shows.
//
// Who calls what: the requester's <command/> reaches the core; the core checks the action
// against the session (bad-action, bad-sessionid, session-expired, malformed-action, bad-payload
// are answered without the handler), asks `allowed` (forbidden), then awaits `run` with the
// forms and sends its AdhocStep as the <command/> result. A session belongs to the requester's
// full JID, ends when a step completes or is canceled, expires when idle, and one requester
// holds a bounded number of them (the oldest goes first).
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "xmppd/awaitable.hpp"
#include "xmppd/element.hpp"
#include "xmppd/jid.hpp"
#include "xmppd/stanza_error.hpp"

namespace xmppd {

namespace ns {
inline constexpr char kCommands[] = "http://jabber.org/protocol/commands";
}

// §3.4 (prev, next, complete), §3.2 (execute), §3.5 (cancel).
enum class AdhocAction { execute, next, prev, complete, cancel };

// §4.4 <note type='info|warn|error'/>.
struct AdhocNote {
  enum class Type { info, warn, error };
  Type type = Type::info;
  std::string text;
};

struct AdhocRequest {
  Jid requester;  // full JID of the sender (sessions are bound to it, §3.3)
  Jid target;     // where the command was sent: the host, or a bare JID of it the command serves
  // The forms (jabber:x:data type 'submit') of the stages done so far, the one just submitted
  // last; empty when the command starts (§3.2). A handler decides the next stage from these.
  std::vector<Element> submitted;
};

// What a stage answers: a form to fill in (status executing) or the end (status completed)
// with notes and optionally a result form (XEP-0004 type 'result').
struct AdhocStep {
  std::optional<Element> form;
  std::vector<AdhocNote> notes;
  bool completed = true;
  // While executing: true when submitting `form` ends the command (the offered action is
  // 'complete'), false when another stage follows ('next'). §3.4.
  bool last_stage = true;
  std::optional<StanzaError> error;  // the stage failed: the IQ error, the session stays where it was

  static AdhocStep ask(Element form, bool last_stage = true) {
    AdhocStep s;
    s.form = std::move(form);
    s.completed = false;
    s.last_stage = last_stage;
    return s;
  }
  static AdhocStep done(std::string note, AdhocNote::Type type = AdhocNote::Type::info) {
    AdhocStep s;
    s.notes.push_back({type, std::move(note)});
    return s;
  }
  static AdhocStep result(Element form) {
    AdhocStep s;
    s.form = std::move(form);
    return s;
  }
  static AdhocStep fail(StanzaError e) {
    AdhocStep s;
    s.error = std::move(e);
    return s;
  }
};

struct AdhocCommand {
  std::string node;  // unique on the host
  std::string name;  // shown in the list (§2.2) and as the command-node identity (§2.3)
  // Which JIDs offer it: empty = the host JID itself; otherwise a test on a bare JID of the host
  // (e.g. the conversation rooms c-…@chat.D).
  std::function<bool(const Jid& target)> serves;
  // Who may see (§2.2) and execute it (§4.6 forbidden); asked again at every stage.
  std::function<bool(const Jid& requester, const Jid& target)> allowed;
  std::function<Task<AdhocStep>(AdhocRequest request)> run;
};

// The §4.6 errors with their application-specific condition.
inline StanzaError adhoc_error(std::string type, std::string condition, const char* specific,
                               std::string text = {}) {
  StanzaError e{std::move(type), std::move(condition), std::move(text), Element(specific, ns::kCommands)};
  return e;
}
inline StanzaError adhoc_bad_payload(std::string text = {}) {
  return adhoc_error("modify", "bad-request", "bad-payload", std::move(text));
}

}  // namespace xmppd
