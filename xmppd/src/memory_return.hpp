// Freed memory back to the system: the one call for it, whatever the allocator, and the watch
// that makes it once a crowd of connections has gone (see memory_return.cpp).
#pragma once
#include "xmppd/asio.hpp"

namespace xmppd {

class ConnectionLimiter;

// Gives the allocator's free pages back to the system now. It walks the allocator's free memory,
// so callers make it after a crowd or at most once a second, never per connection. The default
// is glibc's malloc_trim(0); a program linked against another allocator installs that
// allocator's call once at start, before any connection (apps/xmppd_main.cpp: mimalloc).
void return_free_memory();
void set_return_free_memory(void (*give_back)());

// Runs on the server's I/O context until it stops; `limiter` outlives it.
Task<void> return_memory_after_crowds(const ConnectionLimiter& limiter);

}  // namespace xmppd
