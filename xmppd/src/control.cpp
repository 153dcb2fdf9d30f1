// The control socket (see control.hpp).
#include "control.hpp"

#include <sys/stat.h>

#include <filesystem>

#include "core.hpp"
#include "xmppd/log.hpp"
#include "xmppd/storage.hpp"

namespace xmppd {

namespace local = asio::local;

std::string control_socket_path(const Config& config) {
  return (std::filesystem::path(config.data_dir) / "xmppd.ctl").string();
}

namespace {
Task<std::string> answer(Core& core, const std::string& line) {
  if (line == "online") {
    std::string out;
    for (Session* s : core.all_sessions()) {
      out += s->jid().str();
      out += ' ';
      out += s->transport();
      out += '\n';
    }
    out += std::to_string(core.session_count()) + " online\n";
    co_return out;
  }
  if (line.starts_with("kick ")) {
    auto jid = Jid::parse(line.substr(5));
    if (!jid) co_return "error: not a JID\n";
    int n = 0;
    for (Session* s : core.sessions(jid->bare())) s->close("not-authorized", "account removed"), ++n;
    co_return std::to_string(n) + " sessions closed\n";
  }
  // The running server deletes the account itself, so that its modules hear AccountDeleted
  // while the contacts are online (roster pushes, RFC 6121 §3.2, §3.3).
  if (line.starts_with("deluser ")) {
    auto jid = Jid::parse(line.substr(8));
    if (!jid || jid->local().empty() || !core.serves_host(jid->domain())) co_return "error: not a local account\n";
    try {
      co_return co_await core.delete_account(*jid) ? "deleted\n" : "error: no such account\n";
    } catch (const StorageError& e) {
      log::error("control", "deluser failed: ", e.what());
      co_return std::string("error: storage failure\n");
    }
  }
  co_return "error: unknown command\n";
}

Task<void> serve(std::shared_ptr<local::stream_protocol::acceptor> acceptor, Core& core) {
  for (;;) {
    error_code ec;
    local::stream_protocol::socket s = co_await acceptor->async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    std::string line;
    co_await asio::async_read_until(s, asio::dynamic_buffer(line, 4096), '\n',
                                    asio::redirect_error(asio::use_awaitable, ec));
    if (ec) continue;
    line.resize(line.find('\n'));
    std::string reply = co_await answer(core, line);
    co_await asio::async_write(s, asio::buffer(reply), asio::redirect_error(asio::use_awaitable, ec));
  }
}
}  // namespace

void start_control_socket(asio::io_context& io, Core& core, const Config& config) {
  std::string path = control_socket_path(config);
  if (path.size() >= sizeof(sockaddr_un::sun_path)) {
    log::warn("control", "control socket path too long; xmppctl online is unavailable");
    return;
  }
  ::unlink(path.c_str());
  auto acceptor = std::make_shared<local::stream_protocol::acceptor>(io, local::stream_protocol::endpoint(path));
  ::chmod(path.c_str(), 0600);
  asio::co_spawn(io, serve(acceptor, core), asio::detached);
}

std::string control_request(const Config& config, const std::string& command) {
  asio::io_context io;
  local::stream_protocol::socket s(io);
  error_code ec;
  s.connect(local::stream_protocol::endpoint(control_socket_path(config)), ec);
  if (ec) throw std::runtime_error("no server running for " + config.path + " (" + ec.message() + ")");
  std::string line = command + "\n";
  asio::write(s, asio::buffer(line));
  std::string reply;
  asio::read(s, asio::dynamic_buffer(reply), ec);  // until the server closes
  return reply;
}

}  // namespace xmppd
