// TLS on a non-blocking TCP socket, with OpenSSL reading and writing the descriptor itself.
//
// asio::ssl::stream keeps two 17 KiB engine buffers and a BIO pair of two more per connection
// (about 68 KiB); here OpenSSL owns the only buffers, and SSL_MODE_RELEASE_BUFFERS returns them
// to its pool while a connection is idle, so an idle TLS session costs a few KiB. Readiness
// comes from the socket's async_wait; OpenSSL's WANT_READ/WANT_WRITE decide which to wait for.
// One reader and one writer coroutine may use it at once (single-threaded).
#pragma once
#include <openssl/ssl.h>

#include <memory>

#include "xmppd/asio.hpp"

namespace xmppd {

class TlsSocket {
 public:
  TlsSocket(asio::ip::tcp::socket& socket, SSL_CTX* ctx);
  ~TlsSocket();
  TlsSocket(const TlsSocket&) = delete;
  TlsSocket& operator=(const TlsSocket&) = delete;

  Task<error_code> handshake();
  // Reads what is available now into `data` without waiting; 0 with `would_block` set when
  // nothing is (then await wait_readable()).
  std::size_t read_now(char* data, std::size_t size, bool& would_block, error_code& ec);
  // Waits until read_now() may make progress.
  Task<error_code> wait_readable();
  Task<error_code> write_all(const char* data, std::size_t size);
  // Sends close_notify, best effort, without waiting.
  void shutdown();

  SSL* native_handle() const { return ssl_; }
  bool established() const { return established_; }

 private:
  asio::ip::tcp::socket& socket_;
  SSL* ssl_;
  bool established_ = false;
  bool read_wants_write_ = false;
};

}  // namespace xmppd
