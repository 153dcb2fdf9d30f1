// xmppd: parses the command line, loads the configuration and runs the server in the
// foreground, logging to standard error.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

#include "config.hpp"
#include "server.hpp"
#include "xmppd/module.hpp"

namespace {
void usage() {
  std::fprintf(stderr,
               "usage: xmppd --config FILE [--check-config] [--ports-file FILE]\n"
               "       xmppd --list-modules\n");
}
}  // namespace

int main(int argc, char** argv) {
  std::string config_path, ports_file;
  bool check_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--config" && i + 1 < argc) config_path = argv[++i];
    else if (a == "--ports-file" && i + 1 < argc) ports_file = argv[++i];
    else if (a == "--check-config") check_only = true;
    else if (a == "--list-modules") {
      for (const auto& m : xmppd::registered_modules()) std::printf("%-12s %s\n", m.name.c_str(), m.summary.c_str());
      return 0;
    } else {
      usage();
      return 2;
    }
  }
  if (config_path.empty()) {
    usage();
    return 2;
  }
  try {
    xmppd::Config config = xmppd::load_config(config_path);
    if (check_only) {
      std::printf("%s: configuration is valid\n", config_path.c_str());
      return 0;
    }
    xmppd::XmppServer server(std::move(config));
    server.start();
    if (!ports_file.empty()) {
      // For tests and scripts that start the server on port 0: "type address port" lines.
      std::ofstream out(ports_file + ".tmp");
      for (const auto& l : server.listeners()) out << l.type << ' ' << l.address << ' ' << l.port << '\n';
      out.close();
      std::rename((ports_file + ".tmp").c_str(), ports_file.c_str());
    }
    server.run();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xmppd: %s\n", e.what());
    return 1;
  }
}
