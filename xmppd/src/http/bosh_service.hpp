// BOSH at /http-bind (XEP-0124, XEP-0206) on the HTTP listeners: the HTTP side of it (methods,
// Origin allow-list and CORS, the <body/> wrapper parsed under the stanza budget) and the table
// of sessions by sid. Each session is a BoshSession (bosh_session.hpp), the transport of a
// client stream like a TCP connection or a WebSocket.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "xmppd/asio.hpp"
#include "xmppd/element.hpp"
#include "xmppd/http.hpp"

namespace xmppd {

class Core;
class ConnectionLimiter;
class BoshSession;

class BoshService {
 public:
  static constexpr std::string_view kPath = "/http-bind";

  BoshService(Core& core, ConnectionLimiter& limiter, asio::thread_pool& cpu);
  ~BoshService();

  // The largest request body read at all (the session's own budget is checked after).
  std::size_t max_body() const;
  // One HTTP request to kPath; `origins`: the listener's Origin allow-list.
  Task<HttpResponse> handle(const HttpRequest& request, const std::vector<std::string>& origins);

 private:
  std::string create(const HttpRequest& request, const Element& body);

  using Table = std::unordered_map<std::string, std::shared_ptr<BoshSession>>;
  Core& core_;
  ConnectionLimiter& limiter_;
  asio::thread_pool& cpu_;
  std::shared_ptr<Table> sessions_;  // shared with each session's on_end, which may outlive us
};

}  // namespace xmppd
