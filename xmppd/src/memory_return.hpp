// Freed memory back to the system once a crowd of connections has gone (see memory_return.cpp).
#pragma once
#include "xmppd/asio.hpp"

namespace xmppd {

class ConnectionLimiter;

// Runs on the server's I/O context until it stops; `limiter` outlives it.
Task<void> return_memory_after_crowds(const ConnectionLimiter& limiter);

}  // namespace xmppd
