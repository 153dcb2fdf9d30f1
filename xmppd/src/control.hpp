// The local control socket xmppctl talks to a running server through: a Unix socket in the
// data directory, mode 0600, one line in, the answer out. Commands: "online", "kick USER@HOST",
// "deluser USER@HOST".
#pragma once
#include <string>

#include "config.hpp"
#include "xmppd/asio.hpp"

namespace xmppd {

class Core;

std::string control_socket_path(const Config& config);
// Listens on the control socket; answers until the io_context stops.
void start_control_socket(asio::io_context& io, Core& core, const Config& config);
// Sends one command to the running server and returns its answer; throws when none runs.
std::string control_request(const Config& config, const std::string& command);

}  // namespace xmppd
