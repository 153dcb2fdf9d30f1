// Freed memory back to the system once a crowd of connections has gone (see memory_return.cpp).
#pragma once
#include "xmppd/asio.hpp"

namespace xmppd {

class ConnectionLimiter;

// Runs on the server's I/O context until it stops; `limiter` outlives it. Also makes up the
// trims release_parked_memory() put off.
Task<void> return_memory_after_crowds(const ConnectionLimiter& limiter);

// A connection parked (freed its parser and buffers): the free pages go back to the system, at
// most once a second; a trim put off within that second is made up by the tick above once the
// second is over, so the last of a wave of parks is not left in the free lists.
void release_parked_memory();

}  // namespace xmppd
