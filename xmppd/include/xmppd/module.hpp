// The module SDK: what a module declares (name, XEPs, typed options) and the context it gets.
// A module registers itself with XMPPD_REGISTER_MODULE; the configuration decides on which
// hosts it runs. Every registration made through ModuleContext is undone when the module stops.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <typeinfo>
#include <vector>

#include "xmppd/adhoc.hpp"
#include "xmppd/element.hpp"
#include "xmppd/events.hpp"
#include "xmppd/http.hpp"
#include "xmppd/iq.hpp"
#include "xmppd/metrics.hpp"
#include "xmppd/options.hpp"

namespace xmppd {

class Server;
class ModuleContext;

class Module {
 public:
  virtual ~Module() = default;
};

struct ModuleInfo {
  std::string name;
  std::string summary;            // one line for docs and --list-modules
  std::vector<std::string> xeps;  // "XEP-0199 1.0 complete", for the docs
  std::vector<OptionSpec> options;
  // Where `xmppctl init` enables it: "accounts" (D), "visitors" (guest.D), "service" (chat.D),
  // "conference" (conference.D, the XEP-0045 rooms).
  std::vector<std::string> default_hosts = {"accounts"};
  std::function<std::unique_ptr<Module>(ModuleContext&)> create;
  // Optional: checks that span options (e.g. a queue's hours naming a queue), run by the
  // configuration loader after each option is valid, so `xmppd --check-config` reports them.
  // Throws std::exception whose what() says what is wrong; the loader adds file and host/module.
  std::function<void(const std::string& host, const Options& options)> check;
};

// Registers a module at static-initialisation time (see XMPPD_REGISTER_MODULE).
bool register_module(ModuleInfo (*describe)());
const std::vector<ModuleInfo>& registered_modules();
const ModuleInfo* find_module(const std::string& name);

#define XMPPD_REGISTER_MODULE(describe_fn) \
  [[maybe_unused]] static const bool xmppd_module_registered_ = ::xmppd::register_module(describe_fn)

using StanzaHandler = std::function<Flow(StanzaEvent&)>;

// Given to a module when it starts on a host. Registrations are removed when the module (and
// with it this context) is destroyed.
class ModuleContext {
 public:
  virtual ~ModuleContext() = default;
  virtual const std::string& host() const = 0;
  virtual const Options& options() const = 0;
  virtual Server& server() = 0;

  virtual void on_stanza(StanzaHook hook, int priority, StanzaHandler handler) = 0;
  virtual void on_iq(IqType type, std::string ns, IqScope scope, IqHandler handler) = 0;
  // Service discovery (XEP-0030) of the host: features and identities this module adds.
  virtual void add_feature(std::string feature) = 0;
  virtual void add_identity(std::string category, std::string type, std::string name) = 0;
  // An account-level feature (disco#info to a bare JID), e.g. PEP.
  virtual void add_account_feature(std::string feature) = 0;
  // An account-level identity (disco#info to a bare JID), e.g. pubsub/pep (XEP-0163 §6.1).
  virtual void add_account_identity(std::string category, std::string type) = 0;
  // An HTTP route on every HTTP(S) listener (xmppd/http.hpp). Throws when another module
  // already serves the same host and path.
  virtual void add_http_route(HttpRoute route) = 0;
  // XEP-0128 service discovery extension: a jabber:x:data form of type 'result' with a hidden
  // FORM_TYPE, added to the host's disco#info (e.g. XEP-0363 max-file-size).
  virtual void add_disco_extension(Element form) = 0;
  // Samples for the HTTP listeners' /metrics (xmppd/metrics.hpp), written at every scrape on the
  // I/O thread: read the module's state directly, never block. Label the samples with the host.
  virtual void add_metrics(MetricsCollector collector) = 0;
  // A XEP-0050 ad-hoc command on this host (xmppd/adhoc.hpp): the core lists it, answers its
  // disco#info and runs its sessions. Throws when another module added the same node here.
  virtual void add_command(AdhocCommand command) = 0;

  template <class Event>
  void on(int priority, std::function<void(Event&)> handler) {
    subscribe(typeid(Event), priority, [h = std::move(handler)](void* e) { h(*static_cast<Event*>(e)); });
  }
  // Offers `service` to the other modules (Server::service<Service>(host)) until this module
  // stops. One provider per type and host.
  template <class Service>
  void provide(Service& service) {
    provide_erased(typeid(Service), &service);
  }

 protected:
  virtual void provide_erased(const std::type_info& type, void* service) = 0;
  virtual void subscribe(const std::type_info& event, int priority, std::function<void(void*)> fn) = 0;
};

}  // namespace xmppd
