// Freed memory back to the system once a wave of connections has gone or gone quiet (see
// memory_return.cpp).
#pragma once
#include "xmppd/asio.hpp"

namespace xmppd {

class ConnectionLimiter;

// A connection parked its parser (freed its per-stream buffers): counted, not acted on here.
void note_parked();

// Runs on the server's I/O context until it stops; `limiter` outlives it.
Task<void> return_memory_after_crowds(const ConnectionLimiter& limiter);

}  // namespace xmppd
