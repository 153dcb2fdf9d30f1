// TLS on a non-blocking socket through OpenSSL's own descriptor BIO (see tls_socket.hpp).
#include "net/tls_socket.hpp"

#include <openssl/err.h>

namespace xmppd {

namespace {
error_code tls_error(int ssl_error) {
  if (ssl_error == SSL_ERROR_ZERO_RETURN) return asio::error::eof;
  if (ssl_error == SSL_ERROR_SYSCALL && errno == 0) return asio::error::eof;  // truncated: peer left
  ERR_clear_error();
  return asio::error::connection_reset;
}
}  // namespace

TlsSocket::TlsSocket(asio::ip::tcp::socket& socket, SSL_CTX* ctx) : socket_(socket), ssl_(SSL_new(ctx)) {
  error_code ec;
  socket_.non_blocking(true, ec);
  SSL_set_fd(ssl_, int(socket_.native_handle()));
  SSL_set_accept_state(ssl_);
  SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                         SSL_MODE_RELEASE_BUFFERS);
}

TlsSocket::~TlsSocket() { SSL_free(ssl_); }

Task<error_code> TlsSocket::handshake() {
  for (;;) {
    ERR_clear_error();
    int r = SSL_accept(ssl_);
    if (r == 1) {
      established_ = true;
      co_return error_code();
    }
    int e = SSL_get_error(ssl_, r);
    error_code ec;
    if (e == SSL_ERROR_WANT_READ)
      co_await socket_.async_wait(asio::socket_base::wait_read, asio::redirect_error(asio::use_awaitable, ec));
    else if (e == SSL_ERROR_WANT_WRITE)
      co_await socket_.async_wait(asio::socket_base::wait_write, asio::redirect_error(asio::use_awaitable, ec));
    else
      co_return tls_error(e);
    if (ec) co_return ec;
  }
}

std::size_t TlsSocket::read_now(char* data, std::size_t size, bool& would_block, error_code& ec) {
  would_block = false;
  ERR_clear_error();
  int r = SSL_read(ssl_, data, int(size));
  if (r > 0) return std::size_t(r);
  int e = SSL_get_error(ssl_, r);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
    read_wants_write_ = e == SSL_ERROR_WANT_WRITE;
    would_block = true;
    return 0;
  }
  ec = tls_error(e);
  return 0;
}

Task<error_code> TlsSocket::wait_readable() {
  error_code ec;
  auto kind = read_wants_write_ ? asio::socket_base::wait_write : asio::socket_base::wait_read;
  co_await socket_.async_wait(kind, asio::redirect_error(asio::use_awaitable, ec));
  co_return ec;
}

Task<error_code> TlsSocket::write_all(const char* data, std::size_t size) {
  while (size > 0) {
    ERR_clear_error();
    int r = SSL_write(ssl_, data, int(std::min<std::size_t>(size, 1 << 30)));
    if (r > 0) {
      data += r;
      size -= std::size_t(r);
      continue;
    }
    int e = SSL_get_error(ssl_, r);
    error_code ec;
    if (e == SSL_ERROR_WANT_WRITE)
      co_await socket_.async_wait(asio::socket_base::wait_write, asio::redirect_error(asio::use_awaitable, ec));
    else if (e == SSL_ERROR_WANT_READ)
      co_await socket_.async_wait(asio::socket_base::wait_read, asio::redirect_error(asio::use_awaitable, ec));
    else
      co_return tls_error(e);
    if (ec) co_return ec;
  }
  co_return error_code();
}

void TlsSocket::shutdown() {
  if (!established_) return;
  ERR_clear_error();
  SSL_shutdown(ssl_);  // one close_notify; the peer's answer is not awaited
  ERR_clear_error();
}

}  // namespace xmppd
