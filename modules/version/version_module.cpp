// XEP-0092 Software Version: the server answers jabber:iq:version queries addressed to it with
// its name and version, and the operating system only when the administrator allows it.
#include <sys/utsname.h>

#include "xmppd/module.hpp"
#include "xmppd/namespaces.hpp"

#ifndef XMPPD_VERSION
#error "XMPPD_VERSION is set by modules/version/CMakeLists.txt"
#endif

namespace xmppd {
namespace {

// "Linux 6.1.0-18-amd64": the kernel name and release, as XEP-0092 §3 shows for its <os/>.
std::string operating_system() {
  utsname u{};
  if (uname(&u) != 0) return "unknown";
  return std::string(u.sysname) + " " + u.release;
}

// A plain function, not a capturing lambda: the coroutine owns its copy of `os`.
Task<IqResult> answer(std::string os) {
  Element q("query", ns::kVersion);  // XEP-0092 §2: name and version are required
  q.add_child("name", ns::kVersion).add_text("xmppd");
  q.add_child("version", ns::kVersion).add_text(XMPPD_VERSION);
  if (!os.empty()) q.add_child("os", ns::kVersion).add_text(os);
  co_return IqResult::ok(std::move(q));
}

class VersionModule final : public Module {
 public:
  explicit VersionModule(ModuleContext& ctx) {
    ctx.add_feature(ns::kVersion);  // XEP-0092 §4
    // XEP-0092 §5: disclosing the OS helps an attacker, so it is an option and off by default.
    std::string os = ctx.options().boolean("show_os") ? operating_system() : std::string();
    ctx.on_iq(IqType::get, ns::kVersion, IqScope::host, [os](const IqRequest&) { return answer(os); });
  }
};

ModuleInfo describe() {
  ModuleInfo m;
  m.name = "version";
  m.summary = "XEP-0092 Software Version";
  m.xeps = {"XEP-0092 1.1 complete"};
  m.options = {
      {"show_os", OptionType::boolean, "false", 0, INT64_MAX,
       "include the operating system (kernel name and release) in the answer"},
  };
  // Off unless enabled: the version tells an attacker which vulnerabilities to try.
  m.default_hosts = {};
  m.create = [](ModuleContext& ctx) { return std::make_unique<VersionModule>(ctx); };
  return m;
}

XMPPD_REGISTER_MODULE(describe);

}  // namespace
}  // namespace xmppd
