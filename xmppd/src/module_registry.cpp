// The static registry modules add themselves to (XMPPD_REGISTER_MODULE).
#include <algorithm>

#include "xmppd/module.hpp"

namespace xmppd {
namespace {
std::vector<ModuleInfo>& registry() {
  static std::vector<ModuleInfo> modules;
  return modules;
}
}  // namespace

bool register_module(ModuleInfo (*describe)()) {
  registry().push_back(describe());
  std::sort(registry().begin(), registry().end(),
            [](const ModuleInfo& a, const ModuleInfo& b) { return a.name < b.name; });
  return true;
}

const std::vector<ModuleInfo>& registered_modules() { return registry(); }

const ModuleInfo* find_module(const std::string& name) {
  for (const auto& m : registry())
    if (m.name == name) return &m;
  return nullptr;
}

}  // namespace xmppd
