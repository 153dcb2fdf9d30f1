// Freed memory back to the system once a wave of connections has gone or gone quiet (see
// memory_return.cpp).
#pragma once
#include "xmppd/asio.hpp"

namespace xmppd {

class ConnectionLimiter;

// Gives the allocator's free pages back to the system now. It walks the allocator's free memory,
// so it runs once a wave is over (return_memory_after_crowds), never per connection. The default
// is glibc's malloc_trim(0); a program linked against another allocator installs that
// allocator's call once at start, before any connection (apps/xmppd_main.cpp: mimalloc).
void return_free_memory();
void set_return_free_memory(void (*give_back)());

// A connection parked its parser (freed its per-stream buffers): counted, not acted on here.
void note_parked();

// Runs on the server's I/O context until it stops; `limiter` outlives it.
Task<void> return_memory_after_crowds(const ConnectionLimiter& limiter);

}  // namespace xmppd
