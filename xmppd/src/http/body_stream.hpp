// A request body read piece by piece (xmppd/http.hpp HttpBodyReader) for the routes that stream
// it, e.g. XEP-0363 uploads written to disk as they arrive. RFC 9110 §10.1.1 (Expect:
// 100-continue): the interim 100 response goes out only when the handler first asks for the
// body, so a request it refuses from the header alone never has to send its body.
#pragma once
#include <array>
#include <chrono>
#include <optional>
#include <string>

#include "http/beast.hpp"
#include "xmppd/http.hpp"

namespace xmppd {

template <class Stream>
class BodyStream final : public HttpBodyReader {
 public:
  using Parser = http::request_parser<http::buffer_body>;

  // `parser` has read the header; its body limit is already the route's max_body.
  BodyStream(Stream& stream, beast::flat_buffer& buffer, Parser& parser, std::chrono::milliseconds stall_timeout)
      : stream_(stream), buffer_(buffer), parser_(parser), stall_timeout_(stall_timeout) {}

  Task<std::string> read() override {
    if (parser_.is_done()) co_return std::string();
    error_code ec;
    if (!continued_) {
      continued_ = true;
      if (beast::iequals(parser_.get()[http::field::expect], "100-continue")) {
        http::response<http::empty_body> interim{http::status::continue_, parser_.get().version()};
        beast::get_lowest_layer(stream_).expires_after(stall_timeout_);
        co_await http::async_write(stream_, interim, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) throw HttpBodyError("the client went away");
      }
    }
    // Each piece must arrive within the stall timeout: a large upload may take long as a whole,
    // a client that stops sending may not hold the connection.
    for (;;) {
      beast::get_lowest_layer(stream_).expires_after(stall_timeout_);
      parser_.get().body().data = piece_.data();
      parser_.get().body().size = piece_.size();
      co_await http::async_read(stream_, buffer_, parser_, asio::redirect_error(asio::use_awaitable, ec));
      if (ec == http::error::need_buffer) ec = {};
      if (ec == http::error::body_limit) throw HttpBodyError("request body too large");
      if (ec) throw HttpBodyError("the request body ended early: " + ec.message());
      std::size_t n = piece_.size() - parser_.get().body().size;
      if (n > 0 || parser_.is_done()) co_return std::string(piece_.data(), n);
    }
  }

  std::int64_t declared_length() const override {
    auto n = parser_.content_length();
    return n ? static_cast<std::int64_t>(*n) : -1;
  }

  bool done() const { return parser_.is_done(); }

 private:
  Stream& stream_;
  beast::flat_buffer& buffer_;
  Parser& parser_;
  std::chrono::milliseconds stall_timeout_;
  bool continued_ = false;
  std::array<char, 64 * 1024> piece_{};
};

}  // namespace xmppd
