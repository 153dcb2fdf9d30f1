// IQ handlers (RFC 6120 §8.2.3): a handler returns its result; the dispatcher sends exactly one
// reply, and answers service-unavailable when nothing handles the payload namespace (§8.4).
#pragma once
#include <functional>
#include <optional>
#include <string>

#include "xmppd/awaitable.hpp"
#include "xmppd/element.hpp"
#include "xmppd/jid.hpp"
#include "xmppd/stanza_error.hpp"

namespace xmppd {

class Session;

enum class IqType { get, set };

struct IqRequest {
  const Element& stanza;
  const Element& payload;  // the single child element
  IqType type;
  Jid from;  // full JID of the sender
  Jid to;    // the addressee (the host, or a bare JID)
  // The local session it came from, or nullptr. Valid only until the handler's first
  // co_await: the session may end while the handler waits (use Server::session(from) after).
  Session* origin;
};

class IqResult {
 public:
  static IqResult ok() { return IqResult(); }
  static IqResult ok(Element payload) {
    IqResult r;
    r.payload_ = std::move(payload);
    return r;
  }
  IqResult(StanzaError e) : error_(std::move(e)) {}  // NOLINT: errors convert implicitly

  const std::optional<Element>& payload() const { return payload_; }
  const std::optional<StanzaError>& error() const { return error_; }

 private:
  IqResult() = default;
  std::optional<Element> payload_;
  std::optional<StanzaError> error_;
};

using IqHandler = std::function<Task<IqResult>(const IqRequest&)>;

// Where an IQ handler listens: on the host (to = the domain, or no 'to'), or on accounts
// (to = a bare JID of an account here, including the sender's own).
enum class IqScope { host, account };

}  // namespace xmppd
