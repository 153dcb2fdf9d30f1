// One XMPP client connection of the load generator: RFC 6120 stream, optional STARTTLS (§5),
// SASL (§6: ANONYMOUS, PLAIN, SCRAM-SHA-1/-256), resource binding (§7), then a reader loop
// handing each top-level element to the scenario and a writer that coalesces what is queued.
// Or the same over WebSocket (RFC 7395): <open/> and <close/> instead of the stream header and
// its end tag, one element per WebSocket message, each written as its own message.
#pragma once
#include <array>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common.hpp"
#include "xml_scan.hpp"

namespace loadgen {

enum class Mech { anonymous, plain, scram };

struct ClientOptions {
  std::string address = "127.0.0.1";
  unsigned short port = 5222;
  std::string domain = "localhost";  // the stream's 'to'
  std::string user, password, resource;
  Mech mech = Mech::scram;
  bool starttls = false;
  asio::ssl::context* tls_ctx = nullptr;
  std::string source_address;  // optional local address (another 127.x.y.z for more ports)
  std::string websocket_path;  // e.g. "/xmpp-websocket": RFC 7395 over plain HTTP (loopback)
  std::chrono::milliseconds login_timeout{30000};
};

class Client : public std::enable_shared_from_this<Client> {
 public:
  using ElementHandler = std::function<void(Client&, std::string_view)>;

  Client(asio::io_context& io, ClientOptions options);
  ~Client();

  // Connect, negotiate and bind. False on any failure (error() says what).
  awaitable<bool> login();
  // Reads until the stream or connection ends, handing each element to `handler`.
  void start_reader(ElementHandler handler, std::function<void(Client&)> on_close = {});
  void send(std::string_view data);
  // </stream:stream>, wait up to `wait` for the server's close, then close the socket.
  awaitable<void> close_gracefully(std::chrono::milliseconds wait);
  void close_now();

  const std::string& jid() const { return jid_; }
  const std::string& error() const { return error_; }
  const std::string& mechanism() const { return mechanism_; }
  bool tls() const { return tls_ != nullptr; }
  bool websocket() const { return ws_ != nullptr; }
  bool closed() const { return closed_; }
  std::int64_t login_ns() const { return login_ns_; }
  int index = -1;  // the scenario's number for this client

 private:
  struct Event {
    StreamScanner::Event kind = StreamScanner::Event::none;
    std::string element;
  };
  awaitable<Event> next_event();
  // Reads what the connection has next into the scanner; false at its end.
  awaitable<bool> fill(error_code& ec);
  void begin_stream();  // the stream header (TCP) or <open/> (WebSocket), again after a restart
  awaitable<bool> expect_features(std::string& features);
  awaitable<bool> authenticate(const std::string& features);
  awaitable<bool> bind(const std::string& features);
  awaitable<void> write_loop();
  awaitable<void> read_loop(ElementHandler handler, std::function<void(Client&)> on_close);
  bool fail(std::string why);
  void answer_server_iq(std::string_view el);

  asio::io_context& io_;
  ClientOptions opt_;
  tcp::socket sock_;
  std::unique_ptr<asio::ssl::stream<tcp::socket&>> tls_;
  std::unique_ptr<websocket::stream<tcp::socket&>> ws_;
  beast::flat_buffer ws_in_;
  std::deque<std::string> ws_out_;  // whole elements, one message each
  StreamScanner scanner_;
  std::array<char, 8192> rbuf_{};
  std::string out_, inflight_;
  bool writing_ = false, closed_ = false, stream_closed_ = false;
  std::string jid_, error_, mechanism_;
  std::int64_t login_ns_ = 0;
};

}  // namespace loadgen
