// The process-wide table of resumable sessions (I/O thread only).
#include "net/sm_registry.hpp"

namespace xmppd {
SmRegistry& SmRegistry::instance() {
  static SmRegistry registry;
  return registry;
}
}  // namespace xmppd
