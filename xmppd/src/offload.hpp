// Runs blocking or CPU-heavy work (PBKDF2) on a thread pool and resumes the awaiting coroutine
// on its own executor; the completion handler never runs or dies on the pool thread.
//
// Not a coroutine itself, and called with a named function object: GCC 12 mishandles
// temporaries passed into coroutine parameters across a co_await (the object is relocated
// without its move constructor, seen as a bad free of a std::string under ASan).
#pragma once
#include <exception>
#include <optional>

#include "xmppd/asio.hpp"

namespace xmppd {

template <class Fn>
auto offload(asio::thread_pool& pool, Fn fn) {
  using R = decltype(fn());
  auto initiation = [&pool](auto handler, Fn work) {
    auto home = asio::get_associated_executor(handler);
    asio::post(pool, [home, work = std::move(work), handler = std::move(handler)]() mutable {
      std::exception_ptr error;
      std::optional<R> result;
      try {
        result.emplace(work());
      } catch (...) {
        error = std::current_exception();
      }
      asio::post(home, [handler = std::move(handler), error, result = std::move(result)]() mutable {
        std::move(handler)(error, result ? std::move(*result) : R{});
      });
    });
  };
  return asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr, R)>(
      initiation, asio::use_awaitable, std::move(fn));
}

}  // namespace xmppd
