// The router, the session table and the default delivery rules (RFC 6120 §8, §10; RFC 6121 §8).
#include "core.hpp"


#include <algorithm>
#include <chrono>

#include "archive/archive_service.hpp"
#include "xml/stream_parser.hpp"
#include "xmppd/log.hpp"
#include "xmppd/namespaces.hpp"
#include "xmppd/storage.hpp"
#include "xmppd/random.hpp"

namespace xmppd {

StanzaKind stanza_kind(const Element& stanza) {
  if (stanza.name() == "message") return StanzaKind::message;
  if (stanza.name() == "presence") return StanzaKind::presence;
  return StanzaKind::iq;
}

Target target_of(const Jid& to) {
  if (to.local().empty()) return Target::host;
  return to.is_bare() ? Target::bare : Target::full;
}

HookList& Host::hooks_for(StanzaHook key) {
  for (auto& [k, v] : hooks)
    if (k == key) return v;
  hooks.emplace_back(key, std::make_shared<const std::vector<HookEntry>>());
  return hooks.back().second;
}

namespace {

// `text` is `jid` written out (its str()), compared without building the string.
bool spells(std::string_view text, const Jid& jid) {
  auto take = [&](std::string_view part) {
    if (!text.starts_with(part)) return false;
    text.remove_prefix(part.size());
    return true;
  };
  if (!jid.local().empty() && !(take(jid.local()) && take("@"))) return false;
  if (!take(jid.domain())) return false;
  if (!jid.resource().empty() && !(take("/") && take(jid.resource()))) return false;
  return text.empty();
}

// What a module gets: registrations go into its host and are removed when it is destroyed.
class ModuleContextImpl final : public ModuleContext {
 public:
  ModuleContextImpl(Core& core, Host& host, Options options)
      : core_(core), host_(host), options_(std::move(options)) {}
  ~ModuleContextImpl() override {
    module_.reset();  // the module goes first: its destructor may still use the context
    for (auto& [key, entries] : host_.hooks) entries = without_mine(entries);
    for (auto& [type, entries] : host_.events) entries = without_mine(entries);
    std::erase_if(host_.iq_handlers, [&](const auto& kv) { return mine(kv.second.first); });
    std::erase_if(host_.services, [&](const auto& kv) { return mine(kv.second.first); });
    // One entry each: another module (or the core) may have added the same feature.
    for (const auto& f : features_) erase_one(host_.features, f);
    for (const auto& f : account_features_) erase_one(host_.account_features, f);
    for (const auto& id : identities_) erase_one(host_.identities, id);
    for (const auto& id : account_identities_) erase_one(host_.account_identities, id);
    core_.remove_http_routes([&](std::uint64_t id) { return mine(id); });
    core_.remove_metrics([&](std::uint64_t id) { return mine(id); });
    std::erase_if(host_.disco_extensions, [&](const auto& kv) { return mine(kv.first); });
    host_.adhoc.remove_owned([&](std::uint64_t id) { return mine(id); });
    ++host_.disco_generation;
  }

  void set_module(std::unique_ptr<Module> m) { module_ = std::move(m); }

  const std::string& host() const override { return host_.config.name; }
  const Options& options() const override { return options_; }
  Server& server() override { return core_; }

  void on_stanza(StanzaHook hook, int priority, StanzaHandler handler) override {
    HookList& list = host_.hooks_for(hook);
    list = with_entry(list, HookEntry{track(), priority, std::move(handler)});
  }
  void on_iq(IqType type, std::string ns, IqScope scope, IqHandler handler) override {
    IqKey key{type, std::move(ns), scope};
    if (host_.iq_handlers.count(key))
      throw std::runtime_error("two modules handle IQ namespace " + key.ns + " on " + host_.config.name);
    host_.iq_handlers[key] = {track(), std::move(handler)};
  }
  void add_feature(std::string feature) override {
    ++host_.disco_generation;
    features_.push_back(feature);
    host_.features.push_back(std::move(feature));
  }
  void add_account_feature(std::string feature) override {
    account_features_.push_back(feature);
    host_.account_features.push_back(std::move(feature));
  }
  void add_account_identity(std::string category, std::string type) override {
    Host::Identity id{std::move(category), std::move(type), {}};
    account_identities_.push_back(id);
    host_.account_identities.push_back(std::move(id));
  }
  void add_http_route(HttpRoute route) override { core_.add_http_route(track(), std::move(route)); }
  void add_metrics(MetricsCollector collector) override { core_.add_metrics(track(), std::move(collector)); }
  void add_command(AdhocCommand command) override {
    ++host_.disco_generation;  // the first command adds XEP-0050's feature
    host_.adhoc.add(track(), std::move(command));
  }
  void add_disco_extension(Element form) override {
    ++host_.disco_generation;
    host_.disco_extensions.emplace_back(track(), std::move(form));
  }
  void add_identity(std::string category, std::string type, std::string name) override {
    ++host_.disco_generation;
    Host::Identity id{std::move(category), std::move(type), std::move(name)};
    identities_.push_back(id);
    host_.identities.push_back(std::move(id));
  }

 protected:
  void provide_erased(const std::type_info& type, void* service) override {
    auto [it, fresh] = host_.services.try_emplace(std::type_index(type), 0, service);
    if (!fresh) throw std::runtime_error(std::string("two modules provide service ") + type.name() + " on " + host_.config.name);
    it->second.first = track();
  }
  void subscribe(const std::type_info& event, int priority, std::function<void(void*)> fn) override {
    EventList& list = host_.events[std::type_index(event)];
    list = with_entry(list, EventEntry{track(), priority, std::move(fn)});
  }

 private:
  std::uint64_t track() {
    std::uint64_t id = core_.next_registration_id();
    ids_.push_back(id);
    return id;
  }
  bool mine(std::uint64_t id) const { return std::find(ids_.begin(), ids_.end(), id) != ids_.end(); }
  // A new list with `entry` in its place: higher priority first, equal priorities in
  // registration order.
  template <class Entry>
  static std::shared_ptr<const std::vector<Entry>> with_entry(const std::shared_ptr<const std::vector<Entry>>& list,
                                                              Entry entry) {
    auto copy = list ? std::make_shared<std::vector<Entry>>(*list) : std::make_shared<std::vector<Entry>>();
    auto pos = std::find_if(copy->begin(), copy->end(), [&](const Entry& x) { return x.priority < entry.priority; });
    copy->insert(pos, std::move(entry));
    return copy;
  }
  template <class Entry>
  std::shared_ptr<const std::vector<Entry>> without_mine(const std::shared_ptr<const std::vector<Entry>>& list) const {
    auto copy = std::make_shared<std::vector<Entry>>();
    if (list)
      for (const Entry& e : *list)
        if (!mine(e.id)) copy->push_back(e);
    return copy;
  }
  template <class T>
  static void erase_one(std::vector<T>& list, const T& value) {
    auto it = std::find(list.begin(), list.end(), value);
    if (it != list.end()) list.erase(it);
  }

  Core& core_;
  Host& host_;
  Options options_;
  std::unique_ptr<Module> module_;
  std::vector<std::uint64_t> ids_;
  std::vector<std::string> features_, account_features_;
  std::vector<Host::Identity> identities_, account_identities_;
};

}  // namespace

Core::Core(asio::io_context& io, const Config& config, Storage& storage)
    : io_(io), config_(config), storage_(storage),
      archive_(std::make_unique<ArchiveService>(*this, storage.archive())) {
  for (const auto& hc : config.hosts) {
    auto h = std::make_unique<Host>();
    h->config = hc;
    hosts_[hc.name] = std::move(h);
  }
}

Core::~Core() { stop_modules(); }

Archive& Core::archive() { return *archive_; }
bool Core::archive_idle() const { return archive_->idle(); }

void Core::start_modules() {
  archive_->start();
  for (auto& [name, host] : hosts_) {
    // RFC 6120 §7, XEP-0030: what every host answers itself.
    host->identities.push_back({"server", "im", "xmppd"});
    host->features.push_back(ns::kDiscoInfo);
    host->features.push_back(ns::kDiscoItems);
    add_adhoc_hooks(*host);
    for (const auto& mod : host->config.modules) {
      const ModuleInfo* info = find_module(mod);
      auto ctx = std::make_unique<ModuleContextImpl>(*this, *host, host->config.module_options.at(mod));
      try {
        ctx->set_module(info->create(*ctx));
      } catch (const std::exception& e) {
        throw std::runtime_error("hosts.\"" + name + "\".modules." + mod + ": cannot start: " + e.what());
      }
      host->modules.push_back(std::move(ctx));
      log::debug("core", "module ", mod, " started on ", name);
    }
  }
}

void Core::stop_modules() {
  for (auto& [name, host] : hosts_) {
    while (!host->modules.empty()) host->modules.pop_back();  // reverse order of start
  }
}

Host* Core::host(const std::string& name) {
  auto it = hosts_.find(name);
  return it == hosts_.end() ? nullptr : it->second.get();
}

bool Core::serves_host(const std::string& domain) const { return hosts_.count(domain) != 0; }

std::int64_t Core::now_us() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Core::random_id() { return random_hex(12); }

void Core::spawn(Task<void> task, const char* what) {
  asio::co_spawn(io_, std::move(task), [what](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log::error("core", "background task '", what, "' failed: ", ex.what());
    }
  });
}

void Core::emit_erased(const std::string& host_name, const std::type_info& type, void* event) {
  Host* h = host(host_name);
  if (!h) return;
  auto it = h->events.find(std::type_index(type));
  if (it == h->events.end() || !it->second || it->second->empty()) return;
  EventList handlers = it->second;  // this list stays as it is while handlers change the host's
  for (const auto& e : *handlers) e.handler(event);
}

void* Core::find_service(const std::string& host_name, const std::type_info& type) {
  Host* h = host(host_name);
  if (!h) return nullptr;
  auto it = h->services.find(std::type_index(type));
  return it == h->services.end() ? nullptr : it->second.second;
}

Session* Core::session(const Jid& full) {
  auto it = sessions_.find(full.bare_str());
  if (it == sessions_.end()) return nullptr;
  for (Session* s : it->second)
    if (s->jid().resource() == full.resource()) return s;
  return nullptr;
}

std::vector<Session*> Core::sessions(const Jid& bare) {
  auto it = sessions_.find(bare.bare_str());
  return it == sessions_.end() ? std::vector<Session*>{} : it->second;
}

std::vector<Session*> Core::all_sessions() const {
  std::vector<Session*> out;
  for (const auto& [bare, list] : sessions_) out.insert(out.end(), list.begin(), list.end());
  return out;
}

Session* Core::bind(Session& s) {
  auto& list = sessions_[s.jid().bare_str()];
  Session* replaced = nullptr;
  for (Session* other : list)
    if (other->jid().resource() == s.jid().resource()) replaced = other;
  if (replaced) std::erase(list, replaced), --session_count_;
  list.push_back(&s);
  ++session_count_;
  SessionBound ev{s};
  emit(s.jid().domain(), ev);
  return replaced;
}

void Core::unbind(Session& s, const std::string& condition) {
  auto it = sessions_.find(s.jid().bare_str());
  if (it == sessions_.end()) return;
  auto& list = it->second;
  auto pos = std::find(list.begin(), list.end(), &s);
  if (pos == list.end()) return;
  list.erase(pos);
  --session_count_;
  if (list.empty()) sessions_.erase(it);
  for (auto& [name, h] : hosts_)
    if (h->adhoc.session_count() != 0) h->adhoc.forget(s.jid());  // XEP-0050 §3.3
  SessionClosed ev{s, condition};
  emit(s.jid().domain(), ev);
}

void Core::send_to_session(Session& s, const Element& stanza) {
  DeliverToSession ev{s, stanza};
  emit(s.jid().domain(), ev);
  if (!ev.held) s.send(stanza);
}

void Core::add_stream_features(const std::string& host_name, Session* session, bool authenticated,
                               Element& features) {
  StreamFeatures ev{session, host_name, authenticated, features};
  emit(host_name, ev);
}

void Core::register_component(const std::string& domain, ComponentLink* link) { components_[domain] = link; }

void Core::unregister_component(const std::string& domain, ComponentLink* link) {
  auto it = components_.find(domain);
  if (it != components_.end() && it->second == link) components_.erase(it);
}

Task<bool> Core::delete_account(Jid account) {
  account = account.bare();
  if (!co_await storage_.accounts().remove(account.domain(), account.local())) co_return false;
  for (Session* s : sessions(account)) s->close("not-authorized", "account removed");
  // Every host hears it: what the account left elsewhere goes too (its uploads on upload.D, its
  // affiliations on a room host); modules compare ev.host with what they keep.
  AccountDeleted ev{account.domain(), account.local()};
  emit(account.domain(), ev);
  for (const auto& [name, host] : hosts_)
    if (name != account.domain()) emit(name, ev);
  co_return true;
}

void Core::expect_reply(const std::string& id, std::function<void(const Element&)> on_reply) {
  pending_iqs_[id] = std::move(on_reply);
}

void Core::bounce(const Element& stanza, const StanzaError& error) {
  if (is_error_stanza(stanza)) return;  // RFC 6120 §8.3.1
  if (stanza.name() == "iq" && stanza.attr("type") == "result") return;
  if (!stanza.has_attr("from")) return;
  Element reply = make_error_reply(stanza, error);
  // RFC 6120 §10.3.3: a stanza without 'to' (an IQ the server handles for the account) is
  // answered from the account's bare JID, as results are; without a 'from' routing drops it.
  if (!reply.has_attr("from"))
    if (auto sender = Jid::parse(stanza.attr("from"))) reply.set_attr("from", sender->bare_str());
  route(std::move(reply));
}

void Core::route_from_client(Element stanza, Session& origin, int below_priority, const Jid* prepared_to) {
  std::optional<Jid> parsed;
  if (!prepared_to && stanza.has_attr("to")) {
    parsed = Jid::parse(stanza.attr("to"));
    if (parsed) prepared_to = &*parsed;
  }
  const Jid& from = origin.jid();
  Jid target = prepared_to ? *prepared_to : from.bare();
  bool to = prepared_to != nullptr;
  StanzaKind kind = stanza_kind(stanza);
  // RFC 6120 §10.3: no 'to' means the account itself. Outgoing hooks see the effective target.
  StanzaEvent ev{stanza, from, target, &origin};
  if (Host* h = host(from.domain())) {
    if (run_hooks(*h, StanzaHook{kind, Hop::outgoing, target_of(target)}, ev, below_priority) == Flow::stop) return;
  }
  if (!to) {
    // RFC 6120 §10.3.1-3: message → the account's bare JID; presence → broadcast (the
    // presence module does it in its outgoing hook); IQ → the server on the account's behalf.
    if (kind == StanzaKind::presence) return;
    if (kind == StanzaKind::iq) {
      // Addressed to the account from here on, so that an error reply (which swaps 'to' and
      // 'from') has a sender and reaches the client: without one, bounce() built a reply with
      // no 'from' that deliver_local() dropped, and an unhandled IQ was never answered (§8.4).
      stanza.set_attr("to", from.bare_str());
      if (Host* h = host(from.domain())) dispatch_iq(*h, std::move(stanza), from, from.bare(), Target::bare, &origin);
      return;
    }
    stanza.set_attr("to", from.bare_str());
  } else if (!spells(stanza.attr("to"), target)) {
    // A hook readdressed it: route by what it says now.
    route(std::move(stanza), &origin);
    return;
  }
  route_to(std::move(stanza), target, &from, &origin);
}

void Core::route(Element stanza, Session* origin) {
  auto to = Jid::parse(stanza.attr("to"));
  if (!to) {
    bounce(stanza, StanzaError::jid_malformed());
    return;
  }
  route_to(std::move(stanza), *to, nullptr, origin);
}

void Core::route_to(Element stanza, const Jid& to, const Jid* from, Session* origin) {
  if (serves_host(to.domain())) {
    deliver_to(std::move(stanza), to, from, INT32_MAX, origin);
    return;
  }
  auto comp = components_.find(to.domain());
  if (comp != components_.end()) {
    comp->second->send(stanza);
    return;
  }
  // Federation (s2s) is off: DESIGN.md, "Hosts". RFC 6120 §8.3.3.15.
  bounce(stanza, StanzaError::remote_server_not_found());
}

void Core::deliver(Element stanza, int below_priority, Session* origin) {
  deliver_local(std::move(stanza), below_priority, origin);
}

void Core::resume_outgoing(Element stanza, Session& origin, int below_priority) {
  route_from_client(std::move(stanza), origin, below_priority);
}

void Core::redeliver_unacked(const std::string& xml, const Jid& session_jid) {
  // The copy was serialised for the client stream, where jabber:client is the default
  // namespace and is not written out: parse it in that scope, or the message and its <body/>
  // come out in no namespace and are later sent as xmlns='' (RFC 6120 §4.8.3), which clients
  // do not take for a message.
  auto scope = parse_element("<unacked xmlns='jabber:client'>" + xml + "</unacked>");
  const Element* parsed = scope ? scope->first_child_element() : nullptr;
  if (!parsed) return;
  std::optional<Element> stanza(*parsed);
  if (stanza->name() != "message" || stanza->ns() != ns::kClient) return;
  std::string_view type = stanza->attr("type");
  if (type == "error" || type == "groupchat" || type == "headline") return;
  // Carbon copies and the like were copies of something delivered elsewhere.
  if (stanza->child("sent", ns::kCarbons) || stanza->child("received", ns::kCarbons)) return;
  stanza->set_attr("to", session_jid.bare_str());
  deliver_local(std::move(*stanza), INT32_MAX, nullptr);
}

Flow Core::run_hooks(Host& h, StanzaHook key, StanzaEvent& ev, int below_priority) {
  for (auto& [k, entries] : h.hooks) {
    if (!(k == key)) continue;
    HookList list = entries;  // stays as it is while handlers register or remove others
    for (const auto& e : *list) {
      if (e.priority >= below_priority) continue;
      if (e.handler(ev) == Flow::stop) return Flow::stop;
    }
  }
  return Flow::next;
}

void Core::deliver_local(Element stanza, int below_priority, Session* origin) {
  auto to = Jid::parse(stanza.attr("to"));
  if (!to) return;
  deliver_to(std::move(stanza), *to, nullptr, below_priority, origin);
}

void Core::deliver_to(Element stanza, const Jid& to, const Jid* prepared_from, int below_priority, Session* origin) {
  std::optional<Jid> parsed_from;
  if (!prepared_from) {
    parsed_from = Jid::parse(stanza.attr("from"));
    if (!parsed_from) return;
    prepared_from = &*parsed_from;
  }
  const Jid& from = *prepared_from;
  Host* h = host(to.domain());
  if (!h) return;
  StanzaKind kind = stanza_kind(stanza);
  Target target = target_of(to);
  StanzaEvent ev{stanza, from, to, origin};
  if (run_hooks(*h, StanzaHook{kind, Hop::incoming, target}, ev, below_priority) == Flow::stop) return;
  deliver_default(*h, kind, target, stanza, from, to, origin);
}

void Core::deliver_message_to_bare(Element& stanza, const Jid& to) {
  // RFC 6121 §8.5.2.1.1: to the available resources with the highest non-negative priority
  // (all of them with that priority: this server's choice among the two the RFC allows).
  std::string_view type = stanza.attr("type");
  std::vector<Session*> best;
  int top = -1;
  for (Session* s : sessions(to)) {
    if (!s->available || s->priority < 0) continue;
    if (type == "headline") {  // §8.5.2.1.1: headline to all non-negative resources
      best.push_back(s);
      continue;
    }
    if (s->priority > top) best.clear(), top = s->priority;
    if (s->priority == top) best.push_back(s);
  }
  if (best.empty()) {
    // §8.5.2.2: no available resource. Offline storage (XEP-0160) hooks before this; here
    // only what nobody took: errors and headlines are dropped, the rest bounced.
    if (type == "error" || type == "headline") return;
    bounce(stanza, StanzaError::service_unavailable());
    return;
  }
  for (Session* s : best) send_to_session(*s, stanza);
}

void Core::deliver_default(Host& h, StanzaKind kind, Target target, Element& stanza, const Jid& from,
                           const Jid& to, Session* origin) {
  std::string_view type = stanza.attr("type");
  if (kind == StanzaKind::iq) {
    if (type == "result" || type == "error") {
      if (target == Target::full) {
        if (Session* s = session(to)) send_to_session(*s, stanza);
        return;
      }
      auto it = pending_iqs_.find(std::string(stanza.attr("id")));
      if (it != pending_iqs_.end()) {
        auto cb = std::move(it->second);
        pending_iqs_.erase(it);
        cb(stanza);
      }
      return;  // §8.5.1 / §8.5.2.1.3: results to the server or a bare JID are not delivered
    }
    if (target == Target::full) {
      if (Session* s = session(to)) {
        send_to_session(*s, stanza);
        return;
      }
      bounce(stanza, StanzaError::service_unavailable());  // RFC 6121 §8.5.3.2.3
      return;
    }
    dispatch_iq(h, std::move(stanza), from, to, target, origin);
    return;
  }
  if (kind == StanzaKind::message) {
    if (target == Target::host) return;  // §8.5.1: no handler took it
    if (target == Target::full) {
      if (Session* s = session(to)) {
        send_to_session(*s, stanza);
        return;
      }
      // §8.5.3.2.1: no such resource: groupchat bounced, error dropped, the rest as bare.
      if (type == "groupchat") return bounce(stanza, StanzaError::service_unavailable());
      if (type == "error") return;
    }
    if (type == "groupchat") return bounce(stanza, StanzaError::service_unavailable());
    deliver_message_to_bare(stanza, to.bare());
    return;
  }
  // Presence that no module took: directed presence to a full JID is delivered; presence to a
  // bare JID goes to the available resources (RFC 6121 §8.5.2.1.2, without subscriptions).
  if (target == Target::full) {
    if (Session* s = session(to)) send_to_session(*s, stanza);
    return;
  }
  if (target == Target::bare) {
    for (Session* s : sessions(to))
      if (s->available) send_to_session(*s, stanza);
  }
}

std::uint64_t Core::disco_generation(const std::string& host_name) {
  Host* h = host(host_name);
  return h ? h->disco_generation : 0;
}

Element Core::disco_info(const std::string& host_name) {
  Element q("query", ns::kDiscoInfo);
  if (Host* h = host(host_name)) disco_info(*h, Jid::parse(host_name).value_or(Jid()), q);
  return q;
}

void Core::disco_info(Host& h, const Jid& to, Element& q) {
  if (to.local().empty()) {
    for (const auto& id : h.identities) {
      auto& e = q.add_child("identity", ns::kDiscoInfo);
      e.set_attr("category", id.category).set_attr("type", id.type);
      if (!id.name.empty()) e.set_attr("name", id.name);
    }
    std::vector<std::string> f = h.features;
    if (h.adhoc.on_host()) f.push_back(ns::kCommands);  // XEP-0050 §2.1
    std::sort(f.begin(), f.end());
    f.erase(std::unique(f.begin(), f.end()), f.end());
    for (const auto& name : f) q.add_child("feature", ns::kDiscoInfo).set_attr("var", name);
    for (const auto& [id, form] : h.disco_extensions) q.add(form);  // XEP-0128 §3
  } else {
    // XEP-0030 §3.1 / RFC 6121: an account answers as category account.
    q.add_child("identity", ns::kDiscoInfo).set_attr("category", "account").set_attr("type", "registered");
    for (const auto& id : h.account_identities)
      q.add_child("identity", ns::kDiscoInfo).set_attr("category", id.category).set_attr("type", id.type);
    std::vector<std::string> f = h.account_features;
    f.push_back(ns::kDiscoInfo);
    std::sort(f.begin(), f.end());
    f.erase(std::unique(f.begin(), f.end()), f.end());
    for (const auto& name : f) q.add_child("feature", ns::kDiscoInfo).set_attr("var", name);
  }
}

Element Core::disco_reply(Host& h, const Element& request, const Jid& from, const Jid& to,
                          const std::string& query_ns) {
  Element reply("iq", ns::kClient);
  reply.set_attr("type", "result").set_attr("id", std::string(request.attr("id")));
  reply.set_attr("from", to.str()).set_attr("to", from.str());
  Element& q = reply.add_child("query", query_ns);
  if (query_ns == ns::kDiscoInfo) {
    disco_info(h, to, q);
  } else if (to.local().empty()) {
    for (const auto& [domain, link] : components_) q.add_child("item", ns::kDiscoItems).set_attr("jid", domain);
    for (const auto& [name, other] : hosts_)
      if (name != h.config.name && name.size() > h.config.name.size() && name.ends_with("." + h.config.name))
        q.add_child("item", ns::kDiscoItems).set_attr("jid", name);
  }
  return reply;
}

// XEP-0030 §3.1 (and its security considerations) with RFC 6121 §8.5.1: an account answers
// disco queries from itself (handled before this) and from an entity with a presence
// subscription to it, i.e. one its roster lists with subscription 'from' or 'both'. Everyone
// else, and any query to an account that does not exist, gets service-unavailable: the same
// answer either way, so a stranger cannot probe which accounts exist.
Task<void> Core::answer_account_disco(Element stanza, Jid from, Jid to) {
  bool visible = false;
  try {
    if (co_await storage_.accounts().find(to.domain(), to.local())) {
      auto item = co_await storage_.roster().item(to.domain(), to.local(), from.bare_str());
      visible = item && (item->subscription == Subscription::from || item->subscription == Subscription::both);
    }
  } catch (const StorageError& e) {
    log::error("core", "storage failure answering an account disco query: ", e.what());
    bounce(stanza, e.transient() ? StanzaError::resource_constraint() : StanzaError::internal_server_error());
    co_return;
  }
  Host* h = host(to.domain());
  const Element* payload = stanza.first_child_element();
  if (!visible || !h || !payload) {
    bounce(stanza, StanzaError::service_unavailable());
    co_return;
  }
  route(disco_reply(*h, stanza, from, to, payload->ns()));
}

void Core::dispatch_iq(Host& h, Element stanza, const Jid& from, const Jid& to, Target target, Session* origin) {
  // RFC 6120 §10.3.3: an IQ without 'to' is the account's; stamping it lets an error reply
  // (built by swapping from and to) come from the account like a result does, instead of
  // having no 'from' and being dropped by the router.
  if (!stanza.has_attr("to")) stanza.set_attr("to", to.str());
  std::string_view type_attr = stanza.attr("type");
  IqType type = type_attr == "get" ? IqType::get : IqType::set;
  const Element* payload = stanza.first_child_element();
  if (!payload) return bounce(stanza, StanzaError::bad_request());

  // XEP-0030 disco#info/#items of the host and of accounts are answered from the registry.
  if (type == IqType::get && (payload->ns() == ns::kDiscoInfo || payload->ns() == ns::kDiscoItems) &&
      payload->attr("node").empty()) {
    if (to.local().empty() || from.bare() == to.bare()) {
      route(disco_reply(h, stanza, from, to, payload->ns()));
      return;
    }
    // Someone else asks about an account: answered only when allowed to see it (needs storage).
    spawn(answer_account_disco(std::move(stanza), from, to), "account disco");
    return;
  }

  // Account scope first for a bare JID; the sender's own account falls back to the host
  // (RFC 6120 §10.3.3: the server answers on the account's behalf).
  const IqHandler* handler = nullptr;
  if (target == Target::bare) {
    auto it = h.iq_handlers.find(IqKey{type, payload->ns(), IqScope::account});
    if (it != h.iq_handlers.end()) handler = &it->second.second;
    if (!handler && from.bare() == to.bare()) {
      auto it2 = h.iq_handlers.find(IqKey{type, payload->ns(), IqScope::host});
      if (it2 != h.iq_handlers.end()) handler = &it2->second.second;
    }
  } else {
    auto it = h.iq_handlers.find(IqKey{type, payload->ns(), IqScope::host});
    if (it != h.iq_handlers.end()) handler = &it->second.second;
  }
  if (!handler) {
    // XEP-0030 §7: a disco node that no module serves (the shortcut above answers without a
    // node; XEP-0115 caps nodes are taken by a hook before this) does not exist.
    if (type == IqType::get && (payload->ns() == ns::kDiscoInfo || payload->ns() == ns::kDiscoItems))
      return bounce(stanza, StanzaError::item_not_found());
    return bounce(stanza, StanzaError::service_unavailable());  // RFC 6120 §8.4
  }

  IqHandler fn = *handler;  // a copy: the module may stop while the coroutine runs
  spawn(
      [](Core& core, IqHandler fn, Element stanza, Jid from, Jid to, IqType type, Session* origin) -> Task<void> {
        const Element& payload = *stanza.first_child_element();
        IqRequest req{stanza, payload, type, from, to, origin};
        IqResult result = IqResult(StanzaError::internal_server_error());
        try {
          result = co_await fn(req);
        } catch (const StorageError& e) {
          log::error("core", "storage failure handling ", payload.ns(), ": ", e.what());
          result = e.transient() ? StanzaError::resource_constraint() : StanzaError::internal_server_error();
        } catch (const std::exception& e) {
          std::string error_id = core.random_id().substr(0, 8);
          log::error("core", "error ", error_id, " handling IQ ", payload.ns(), ": ", e.what());
          result = StanzaError::internal_server_error();
        }
        if (result.error()) {
          core.bounce(stanza, *result.error());
          co_return;
        }
        Element reply("iq", ns::kClient);
        reply.set_attr("type", "result").set_attr("id", std::string(stanza.attr("id")));
        reply.set_attr("from", to.str()).set_attr("to", from.str());
        if (result.payload()) reply.add(*result.payload());
        core.route(std::move(reply));
      }(*this, std::move(fn), std::move(stanza), from, to, type, origin),
      "iq handler");
}

}  // namespace xmppd

namespace xmppd {

void Core::add_http_route(std::uint64_t id, HttpRoute route) {
  for (const auto& [other_id, r] : http_routes_)
    if (r.path == route.path && r.host == route.host && r.prefix == route.prefix)
      throw std::runtime_error("two modules serve HTTP path " + route.path);
  http_routes_.emplace_back(id, std::move(route));
}

void Core::remove_http_routes(const std::function<bool(std::uint64_t)>& registered_by) {
  std::erase_if(http_routes_, [&](const auto& kv) { return registered_by(kv.first); });
}

void Core::add_metrics(std::uint64_t id, MetricsCollector collector) {
  metrics_collectors_.emplace_back(id, std::move(collector));
}

void Core::remove_metrics(const std::function<bool(std::uint64_t)>& registered_by) {
  std::erase_if(metrics_collectors_, [&](const auto& kv) { return registered_by(kv.first); });
}

void Core::collect_metrics(MetricsWriter& out) const {
  for (const auto& [id, collect] : metrics_collectors_) {
    // A collector's mistake costs its own samples, never the scrape (or the server).
    try {
      collect(out);
    } catch (const std::exception& e) {
      log::error("metrics", "a module's metrics collector failed: ", e.what());
    }
  }
}

std::vector<std::string> Core::http_route_hosts() const {
  std::vector<std::string> hosts;
  for (const auto& [id, r] : http_routes_)
    if (!r.host.empty() && std::find(hosts.begin(), hosts.end(), r.host) == hosts.end()) hosts.push_back(r.host);
  return hosts;
}

const HttpRoute* Core::http_route(std::string_view host, std::string_view path) const {
  const HttpRoute* best = nullptr;
  for (const auto& [id, r] : http_routes_) {
    if (!r.host.empty() && r.host != host) continue;
    if (!r.prefix) {
      if (r.path == path) return &r;
      continue;
    }
    if (path.starts_with(r.path) && (!best || r.path.size() > best->path.size())) best = &r;
  }
  return best;
}

}  // namespace xmppd
