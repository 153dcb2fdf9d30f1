// What the server offers modules: routing, the session table, storage, time and background work.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <typeinfo>
#include <vector>

#include "xmppd/awaitable.hpp"
#include "xmppd/element.hpp"
#include "xmppd/jid.hpp"
#include "xmppd/stanza_error.hpp"

namespace xmppd {

class Archive;
class Session;
class Storage;

class Server {
 public:
  virtual ~Server() = default;

  // Routes a stanza with 'from' and 'to' set, as if a trusted local entity sent it.
  // `origin`: the local session the stanza came from, when there is one.
  virtual void route(Element stanza, Session* origin = nullptr) = 0;
  // Delivers to a local account by the RFC 6121 §8.5 rules, running only the incoming hooks of
  // priority below `below_priority` (so a module can deliver after it has done its own part).
  virtual void deliver(Element stanza, int below_priority, Session* origin = nullptr) = 0;
  // Continues a stanza `origin`'s client sent, running only the outgoing hooks of priority
  // below `below_priority` and then routing it (for a module that held it back while it
  // awaited something, e.g. a blocklist being loaded).
  virtual void resume_outgoing(Element stanza, Session& origin, int below_priority) = 0;
  // Bounces `stanza` with `error` to its sender (never for an error stanza).
  virtual void bounce(const Element& stanza, const StanzaError& error) = 0;

  virtual Session* session(const Jid& full) = 0;
  virtual std::vector<Session*> sessions(const Jid& bare) = 0;
  virtual bool serves_host(const std::string& domain) const = 0;
  // The XEP-0030 disco#info <query/> a host answers itself (no node): the identities and
  // features of the core and of the modules running on it. Empty query for an unknown host.
  virtual Element disco_info(const std::string& host) = 0;
  // Changes whenever disco_info(host) may have: what a module computes from it (XEP-0115's
  // ver, sent in every authenticated stream's features) stays valid while this stays the same.
  virtual std::uint64_t disco_generation(const std::string& host) = 0;

  virtual Storage& storage() = 0;
  // The one message archive (xmppd/archive.hpp): XEP-0359 ids, ordered writes, queries.
  virtual Archive& archive() = 0;

  // Runs a coroutine in the background; an exception is logged with an error id.
  virtual void spawn(Task<void> task, const char* what) = 0;
  // Wall-clock microseconds since the epoch (injected in tests).
  virtual std::int64_t now_us() const = 0;
  // A fresh unguessable id (for stanza ids, resources).
  virtual std::string random_id() = 0;
  // The server's data directory ([server] data_dir): where a module keeps files of its own.
  virtual const std::string& data_dir() const = 0;
  // Emits a typed event (see events.hpp) to the handlers of the modules running on `host`.
  template <class Event>
  void emit(const std::string& host, Event& event) {
    emit_erased(host, typeid(Event), &event);
  }
  // Writes a stanza to one session, through the DeliverToSession hooks (XEP-0352 may hold it).
  virtual void send_to_session(Session& session, const Element& stanza) = 0;
  // A service another module on `host` offers through ModuleContext::provide (e.g. the
  // xmppd/muc.hpp rooms API); nullptr when no module there offers one. The pointer is valid
  // while that module runs: look it up when needed rather than keeping it.
  template <class Service>
  Service* service(const std::string& host) {
    return static_cast<Service*>(find_service(host, typeid(Service)));
  }

 protected:
  virtual void emit_erased(const std::string& host, const std::type_info& type, void* event) = 0;
  virtual void* find_service(const std::string& host, const std::type_info& type) = 0;
};

}  // namespace xmppd
