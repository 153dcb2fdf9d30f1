// A client session as modules see it: a bound full JID with RFC 6121 presence state.
#pragma once
#include <any>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <typeindex>
#include <unordered_map>

#include "xmppd/element.hpp"
#include "xmppd/jid.hpp"

namespace xmppd {

class Session {
 public:
  virtual ~Session() = default;

  // The bound full JID (RFC 6120 §7).
  virtual const Jid& jid() const = 0;
  // Queues a stanza for the client. The stanza is serialised now; the write is coalesced with
  // others queued in the same turn of the event loop.
  virtual void send(const Element& stanza) = 0;
  // Ends the session with a stream error condition (RFC 6120 §4.9.3), e.g. "conflict".
  virtual void close(std::string_view condition, std::string_view text = {}) = 0;
  // True on the visitor host (SASL ANONYMOUS): stricter limits and routing policy.
  virtual bool anonymous() const = 0;
  // Which transport carries it: "tcp", "websocket", "bosh".
  virtual std::string_view transport() const = 0;
  // A process-unique id, for logs (never the JID or IP address in logs).
  virtual std::uint64_t id() const = 0;

  // Holds back XEP-0198 acknowledgements while the returned token lives: a module storing a
  // stanza it received from this session keeps it until the write is durable, so an <a/>
  // never covers what could still be lost. nullptr when the session does not use SM.
  virtual std::shared_ptr<void> defer_ack() { return nullptr; }

  // RFC 6121 §1.4 terms, kept by the presence and roster modules.
  bool available = false;        // has sent initial presence and not gone unavailable
  bool interested = false;       // has requested the roster
  int priority = 0;              // RFC 6121 §4.7.2.3
  std::optional<Element> last_presence;  // the last broadcast presence

  // Per-module state: one object of each type per session, made on first use.
  template <class T>
  T& state() {
    auto it = state_.find(std::type_index(typeid(T)));
    if (it == state_.end())
      it = state_.emplace(std::type_index(typeid(T)), std::make_shared<T>()).first;
    return *std::static_pointer_cast<T>(it->second);
  }
  template <class T>
  T* find_state() {
    auto it = state_.find(std::type_index(typeid(T)));
    return it == state_.end() ? nullptr : std::static_pointer_cast<T>(it->second).get();
  }

 private:
  std::unordered_map<std::type_index, std::shared_ptr<void>> state_;
};

}  // namespace xmppd
