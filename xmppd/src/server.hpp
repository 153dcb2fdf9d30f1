// The whole server: configuration in, listeners, storage, router and modules running.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "config.hpp"
#include "xmppd/asio.hpp"

namespace xmppd {

class Core;
class Storage;
class ConnectionLimiter;
class HttpServer;

struct BoundListener {
  std::string type;
  std::string address;
  unsigned short port;
};

class XmppServer {
 public:
  explicit XmppServer(Config config);
  ~XmppServer();
  // Opens storage, starts modules and binds every listener; throws with a precise message.
  void start();
  // Runs until SIGINT/SIGTERM or stop().
  void run();
  void stop();
  const std::vector<BoundListener>& listeners() const { return bound_; }

 private:
  Task<void> end_loop_after_archive();
  Task<void> accept_loop(std::shared_ptr<asio::ip::tcp::acceptor> acceptor, const ListenerConfig* listener);
  void check_file_limit();

  Config config_;
  asio::io_context io_{1};
  asio::thread_pool cpu_{2};
  std::unique_ptr<Storage> storage_;
  std::unique_ptr<Core> core_;
  std::unique_ptr<asio::ssl::context> tls_;
  std::unique_ptr<ConnectionLimiter> limiter_;
  std::unique_ptr<HttpServer> http_;
  std::vector<std::shared_ptr<asio::ip::tcp::acceptor>> acceptors_;
  std::vector<BoundListener> bound_;
  asio::signal_set signals_{io_};
};

// The storage the configuration names (used by xmppd and xmppctl).
std::unique_ptr<Storage> open_configured_storage(const Config& config, bool migrate);

}  // namespace xmppd
