// An external component (XEP-0114, jabber:component:accept): the bridges (mail, Facebook)
// connect here, authenticate with the shared-secret handshake and then own their domain.
#pragma once
#include <memory>
#include <string>

#include "compact_queue.hpp"
#include "config.hpp"
#include "core.hpp"
#include "xml/stream_parser.hpp"
#include "xmppd/asio.hpp"

namespace xmppd {

class ComponentConnection final : public ComponentLink, public std::enable_shared_from_this<ComponentConnection> {
 public:
  ComponentConnection(Core& core, asio::ip::tcp::socket socket);
  void start();
  void send(const Element& stanza) override;

 private:
  Task<void> run();
  void on_stream_open(const Element& header, const std::string& content_ns);
  void handle(Element e);
  void write(std::string data);
  void flush();
  void close_stream(std::string_view condition);

  Core& core_;
  asio::ip::tcp::socket socket_;
  StreamParser parser_;
  CompactQueue<Element> inbox_;
  std::string domain_, secret_, stream_id_;
  bool authenticated_ = false, closing_ = false, writing_ = false, header_sent_ = false;
  std::string out_, inflight_;
  std::array<char, 8192> buffer_;
};

}  // namespace xmppd
