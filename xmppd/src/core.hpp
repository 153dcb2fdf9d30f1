// The router and session table (RFC 6120 §8, §10; RFC 6121 §8): hosts with their modules'
// hooks and IQ handlers, the sessions bound on them, and the delivery rules.
//
// Everything here runs on the one I/O thread, so no state needs a lock: a stanza is routed by
// route() (from any local entity) or by route_from_client() (which stamps 'from' and runs the
// outgoing hooks first). Local delivery runs the incoming hooks of the target's host by
// priority; when none stops it, the RFC 6121 §8.5 rules below deliver, bounce or drop it.
// Components (XEP-0114) register their domain and receive what is addressed to it.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <typeindex>
#include <unordered_map>
#include <vector>

#include "adhoc_sessions.hpp"
#include "config.hpp"
#include "xmppd/asio.hpp"
#include "xmppd/events.hpp"
#include "xmppd/iq.hpp"
#include "xmppd/module.hpp"
#include "xmppd/server.hpp"
#include "xmppd/session.hpp"

namespace xmppd {

class Storage;
class Core;
class ArchiveService;

struct HookEntry {
  std::uint64_t id;
  int priority;
  StanzaHandler handler;
};
struct EventEntry {
  std::uint64_t id;
  int priority;
  std::function<void(void*)> handler;
};
// Handler lists are replaced, never changed in place (copy on write): a stanza or event being
// dispatched holds the list it started with, so a handler may register or remove others, and
// dispatching costs no copy of the handlers (it did, for every stanza and every delivery).
using HookList = std::shared_ptr<const std::vector<HookEntry>>;
using EventList = std::shared_ptr<const std::vector<EventEntry>>;
struct IqKey {
  IqType type;
  std::string ns;
  IqScope scope;
  friend bool operator<(const IqKey& a, const IqKey& b) {
    return std::tie(a.type, a.ns, a.scope) < std::tie(b.type, b.ns, b.scope);
  }
};

// One virtual host: its configuration, its modules and what they registered.
struct Host {
  HostConfig config;
  std::vector<std::pair<StanzaHook, HookList>> hooks;
  std::unordered_map<std::type_index, EventList> events;
  std::map<IqKey, std::pair<std::uint64_t, IqHandler>> iq_handlers;
  std::vector<std::string> features, account_features;
  struct Identity {
    std::string category, type, name;
    friend bool operator==(const Identity&, const Identity&) = default;
  };
  std::vector<Identity> identities, account_identities;
  std::vector<std::pair<std::uint64_t, Element>> disco_extensions;  // XEP-0128 forms, by registration
  std::unordered_map<std::type_index, std::pair<std::uint64_t, void*>> services;  // ModuleContext::provide
  AdhocSessions adhoc;  // XEP-0050 commands the modules added (ModuleContext::add_command)
  std::vector<std::unique_ptr<ModuleContext>> modules;
  // Counts changes to what disco#info says of the host (Server::disco_generation).
  std::uint64_t disco_generation = 0;

  HookList& hooks_for(StanzaHook key);
};

// A component connection (XEP-0114) as the router sees it.
class ComponentLink {
 public:
  virtual ~ComponentLink() = default;
  virtual void send(const Element& stanza) = 0;
};

class Core : public Server {
 public:
  Core(asio::io_context& io, const Config& config, Storage& storage);
  ~Core() override;

  // Starts the configured modules on every host; throws on a module's start failure.
  void start_modules();
  void stop_modules();

  // Server (the module SDK)
  void route(Element stanza, Session* origin = nullptr) override;
  void deliver(Element stanza, int below_priority, Session* origin = nullptr) override;
  void resume_outgoing(Element stanza, Session& origin, int below_priority) override;
  void bounce(const Element& stanza, const StanzaError& error) override;
  Session* session(const Jid& full) override;
  std::vector<Session*> sessions(const Jid& bare) override;
  bool serves_host(const std::string& domain) const override;
  Element disco_info(const std::string& host) override;
  std::uint64_t disco_generation(const std::string& host) override;
  Storage& storage() override { return storage_; }
  Archive& archive() override;
  // The archive has written everything it was given (see XmppServer::stop).
  bool archive_idle() const;
  void spawn(Task<void> task, const char* what) override;
  std::int64_t now_us() const override;
  std::string random_id() override;
  const std::string& data_dir() const override { return config_.data_dir; }
  void send_to_session(Session& session, const Element& stanza) override;

  // For the streams
  const Config& config() const { return config_; }
  Host* host(const std::string& name);
  asio::io_context& io() { return io_; }
  // A stanza from a bound client session: 'from' already stamped, 'to' validated. `to`: the
  // stanza's 'to' as the connection prepared it (nullptr: parsed here), so that a routed stanza's
  // JIDs are prepared once, not at every step (issue 3: five PRECIS runs per message).
  void route_from_client(Element stanza, Session& origin, int below_priority = INT32_MAX, const Jid* to = nullptr);
  // Binds `session` to its JID; returns the session it replaced (RFC 6120 §7.7.2.2), if any.
  Session* bind(Session& session);
  void unbind(Session& session, const std::string& condition);
  std::size_t session_count() const { return session_count_; }
  std::vector<Session*> all_sessions() const;
  // Stream features of a host for a bound or authenticated session.
  void add_stream_features(const std::string& host, Session* session, bool authenticated, Element& features);
  void register_component(const std::string& domain, ComponentLink* link);
  void unregister_component(const std::string& domain, ComponentLink* link);
  bool has_component(const std::string& domain) const { return components_.count(domain) != 0; }
  // XEP-0198 §5: a stanza a session never acknowledged, when the session ends for good.
  void redeliver_unacked(const std::string& xml, const Jid& session_jid);
  // Deletes a local account (xmppctl deluser): the stored data goes, its sessions end, and the
  // modules hear AccountDeleted (e.g. contacts' rosters lose it). false when there was none.
  Task<bool> delete_account(Jid account);
  // Pending server-originated IQs (XEP-0199 pings): the reply goes to `on_reply`.
  void expect_reply(const std::string& id, std::function<void(const Element&)> on_reply);

  // Registration plumbing used by ModuleContext
  std::uint64_t next_registration_id() { return ++registration_seq_; }
  void add_http_route(std::uint64_t id, HttpRoute route);
  void remove_http_routes(const std::function<bool(std::uint64_t)>& registered_by);
  // The route serving `path` on `host`: an exact path first, then the longest prefix.
  const HttpRoute* http_route(std::string_view host, std::string_view path) const;
  // The host names routes are bound to (e.g. upload.D), for the web pages' CSP connect-src.
  std::vector<std::string> http_route_hosts() const;

  // Modules' /metrics samples (ModuleContext::add_metrics), run at each scrape.
  void add_metrics(std::uint64_t id, MetricsCollector collector);
  void remove_metrics(const std::function<bool(std::uint64_t)>& registered_by);
  void collect_metrics(MetricsWriter& out) const;

  // Counters for /metrics (Prometheus): stanzas from and to client sessions.
  struct Counters {
    std::uint64_t stanzas_in = 0, stanzas_out = 0;
  };
  Counters& counters() { return counters_; }

 protected:
  void emit_erased(const std::string& host, const std::type_info& type, void* event) override;
  void* find_service(const std::string& host, const std::type_info& type) override;

 private:
  void deliver_local(Element stanza, int below_priority, Session* origin);
  // route() and deliver_local() with the JIDs already prepared; `from` nullptr: parsed here.
  void route_to(Element stanza, const Jid& to, const Jid* from, Session* origin);
  void deliver_to(Element stanza, const Jid& to, const Jid* from, int below_priority, Session* origin);
  Flow run_hooks(Host& host, StanzaHook key, StanzaEvent& ev, int below_priority);
  void deliver_default(Host& host, StanzaKind kind, Target target, Element& stanza,
                       const Jid& from, const Jid& to, Session* origin);
  void dispatch_iq(Host& host, Element stanza, const Jid& from, const Jid& to, Target target, Session* origin);
  void deliver_message_to_bare(Element& stanza, const Jid& to);
  void disco_info(Host& host, const Jid& to, Element& reply_query);
  Element disco_reply(Host& host, const Element& request, const Jid& from, const Jid& to,
                      const std::string& query_ns);
  Task<void> answer_account_disco(Element stanza, Jid from, Jid to);
  // XEP-0050 (adhoc_commands.cpp): <command/> and the commands' disco nodes, before the modules.
  void add_adhoc_hooks(Host& host);
  Flow on_adhoc_iq(Host& host, StanzaEvent& ev);

  asio::io_context& io_;
  const Config& config_;
  Storage& storage_;
  std::unique_ptr<ArchiveService> archive_;
  std::map<std::string, std::unique_ptr<Host>> hosts_;
  std::unordered_map<std::string, std::vector<Session*>> sessions_;  // bare JID -> sessions
  std::size_t session_count_ = 0;
  std::map<std::string, ComponentLink*> components_;
  std::unordered_map<std::string, std::function<void(const Element&)>> pending_iqs_;
  std::uint64_t registration_seq_ = 0;
  std::vector<std::pair<std::uint64_t, HttpRoute>> http_routes_;
  std::vector<std::pair<std::uint64_t, MetricsCollector>> metrics_collectors_;
  Counters counters_;
};

StanzaKind stanza_kind(const Element& stanza);  // message/presence/iq by name
Target target_of(const Jid& to);

}  // namespace xmppd
