// XEP-0114 component connections: handshake (§3), then stanzas in both directions.
#include "net/component_connection.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "xmppd/log.hpp"
#include "xmppd/namespaces.hpp"
#include "xmppd/random.hpp"

namespace xmppd {

namespace {
// Components speak jabber:component:accept; inside the server every stanza is jabber:client.
void normalise_content_ns(Element& root) {
  std::vector<Element*> todo{&root};
  while (!todo.empty()) {
    Element* e = todo.back();
    todo.pop_back();
    if (e->ns() == ns::kComponent || e->ns() == ns::kServer) e->set_ns(ns::kClient);
    for (auto& c : e->children())
      if (!c.is_text()) todo.push_back(&c);
  }
}
}  // namespace

ComponentConnection::ComponentConnection(Core& core, asio::ip::tcp::socket socket)
    : core_(core), socket_(std::move(socket)), parser_(ParserLimits{}, StreamParser::Callbacks{}) {
  error_code ec;
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
}

void ComponentConnection::start() {
  ParserLimits limits;
  limits.max_stanza_bytes = core_.config().limits.stanza_bytes;
  parser_.set_limits(limits);
  parser_.set_callbacks(StreamParser::Callbacks{
                                     [this](const Element& h, const std::string& ns) { on_stream_open(h, ns); },
                                     [this](Element&& e) { inbox_.push_back(std::move(e)); },
                                     [this] { close_stream(""); }});
  asio::co_spawn(core_.io(), run(), [self = shared_from_this()](std::exception_ptr) {});
}

Task<void> ComponentConnection::run() {
  auto self = shared_from_this();
  for (;;) {
    error_code ec;
    std::size_t n = co_await socket_.async_read_some(asio::buffer(buffer_), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    ParseError pe = parser_.feed(buffer_.data(), n);
    while (!inbox_.empty() && !closing_) {
      Element e = std::move(inbox_.front());
      inbox_.pop_front();
      handle(std::move(e));
    }
    if (pe != ParseError::none) close_stream(stream_error_name(pe));
    if (closing_) break;
  }
  if (authenticated_) {
    core_.unregister_component(domain_, this);
    log::info("component", domain_, " disconnected");
  }
  // Give the last write a moment, then close.
  asio::steady_timer t(core_.io(), std::chrono::milliseconds(50));
  error_code ec;
  co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  socket_.close(ec);
}

void ComponentConnection::on_stream_open(const Element& header, const std::string& content_ns) {
  if (content_ns != ns::kComponent) {
    close_stream("invalid-namespace");
    return;
  }
  domain_ = std::string(header.attr("to"));
  const ComponentConfig* cfg = nullptr;
  for (const auto& c : core_.config().components)
    if (c.domain == domain_) cfg = &c;
  if (!cfg) {
    close_stream("host-unknown");
    return;
  }
  secret_ = cfg->secret;
  stream_id_ = random_hex(16);
  write("<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' "
        "xmlns:stream='http://etherx.jabber.org/streams' id='" + stream_id_ + "' from='" + domain_ + "'>");
  header_sent_ = true;
}

void ComponentConnection::handle(Element e) {
  if (!authenticated_) {
    if (!e.is("handshake", ns::kComponent)) return close_stream("not-authorized");
    // XEP-0114 §3: the handshake is hex(SHA1(stream id + secret)).
    std::string input = stream_id_ + secret_;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_Digest(input.data(), input.size(), md, &len, EVP_sha1(), nullptr);
    std::string expected = to_hex(std::string_view(reinterpret_cast<const char*>(md), len));
    std::string got = e.text();
    if (got.size() != expected.size() || CRYPTO_memcmp(got.data(), expected.data(), got.size()) != 0)
      return close_stream("not-authorized");
    if (core_.has_component(domain_)) return close_stream("conflict");
    authenticated_ = true;
    core_.register_component(domain_, this);
    write("<handshake/>");
    log::info("component", domain_, " connected");
    return;
  }
  if (e.name() != "message" && e.name() != "presence" && e.name() != "iq") return close_stream("unsupported-stanza-type");
  auto from = Jid::parse(e.attr("from"));
  // A component speaks only for its own domain (XEP-0114 §3; RFC 6120 §8.1.2.1).
  if (!from || (from->domain() != domain_ && !from->domain().ends_with("." + domain_)))
    return close_stream("invalid-from");
  normalise_content_ns(e);
  core_.route(std::move(e));
}

void ComponentConnection::send(const Element& stanza) { write(stanza.to_string(ns::kComponent)); }

void ComponentConnection::write(std::string data) {
  out_ += data;
  flush();
}

void ComponentConnection::flush() {
  if (writing_ || out_.empty()) return;
  writing_ = true;
  inflight_.swap(out_);
  out_.clear();
  asio::async_write(socket_, asio::buffer(inflight_), [self = shared_from_this()](error_code ec, std::size_t) {
    self->writing_ = false;
    self->inflight_.clear();
    if (!ec) self->flush();
  });
}

void ComponentConnection::close_stream(std::string_view condition) {
  if (closing_) return;
  if (!header_sent_)
    write("<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' "
          "xmlns:stream='http://etherx.jabber.org/streams'>");
  std::string x;
  if (!condition.empty())
    x = "<stream:error><" + std::string(condition) + " xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>";
  write(x + "</stream:stream>");
  closing_ = true;
  parser_.stop();
}

}  // namespace xmppd
