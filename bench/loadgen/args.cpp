#include "args.hpp"

#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "common.hpp"

namespace loadgen {

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: xmppd-loadgen --scenario login|idle|messages|presence|rooms|livechat|register --port P [options]\n"
               "  --address A (loopback only) --domain D --anon-domain D --server-pid PID --label L\n"
               "  --mech anonymous|plain|scram --starttls | --websocket PATH --user-prefix u --password pw --first N --users N\n"
               "  --count N --concurrency K --duration S --drain S --settle S --source-addresses N\n"
               "  --pairs P --rates 2000,10000,0 (0 = closed loop) --window W --latency-log FILE\n"
               "  --groups G --contacts M --presence-rate R --max-seconds S\n"
               "  --rooms R --occupants K --room-domain D (rooms: --rates are groupchat messages/s)\n"
               "  livechat: --visitors V --consultants C --arrival-rate R --exchanges K --think-ms T\n"
               "            --tickets T --callbacks B (offline requests among the arrivals)\n"
               "            --c2s-port P (consultants)\n"
               "            --chat-domain D --queues a,b,c --notice-version S (consultants log in as <user-prefix>N)\n");
  std::exit(2);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto v = [&]() -> std::string {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (k == "--scenario") a.scenario = v();
    else if (k == "--address") a.address = v();
    else if (k == "--port") a.port = static_cast<unsigned short>(std::stoi(v()));
    else if (k == "--domain") a.domain = v();
    else if (k == "--anon-domain") a.anon_domain = v();
    else if (k == "--mech") a.mech = v();
    else if (k == "--starttls") a.starttls = true;
    else if (k == "--websocket") a.websocket = v();
    else if (k == "--user-prefix") a.user_prefix = v();
    else if (k == "--password") a.password = v();
    else if (k == "--first") a.first = std::stoi(v());
    else if (k == "--users") a.users = std::stoi(v());
    else if (k == "--count") a.count = std::stoi(v());
    else if (k == "--concurrency") a.concurrency = std::stoi(v());
    else if (k == "--duration") a.duration = std::stod(v());
    else if (k == "--drain") a.drain = std::stod(v());
    else if (k == "--settle") a.settle = std::stod(v());
    else if (k == "--pairs") a.pairs = std::stoi(v());
    else if (k == "--window") a.window = std::stoi(v());
    else if (k == "--latency-log") a.latency_log = v();
    else if (k == "--groups") a.groups = std::stoi(v());
    else if (k == "--contacts") a.contacts = std::stoi(v());
    else if (k == "--presence-rate") a.presence_rate = std::stod(v());
    else if (k == "--rooms") a.rooms = std::stoi(v());
    else if (k == "--occupants") a.occupants = std::stoi(v());
    else if (k == "--room-domain") a.room_domain = v();
    else if (k == "--server-pid") a.server_pid = static_cast<pid_t>(std::stoi(v()));
    else if (k == "--label") a.label = v();
    else if (k == "--source-addresses") a.source_addresses = std::stoi(v());
    else if (k == "--max-seconds") a.max_seconds = std::stod(v());
    else if (k == "--visitors") a.visitors = std::stoi(v());
    else if (k == "--consultants") a.consultants = std::stoi(v());
    else if (k == "--exchanges") a.exchanges = std::stoi(v());
    else if (k == "--tickets") a.tickets = std::stoi(v());
    else if (k == "--callbacks") a.callbacks = std::stoi(v());
    else if (k == "--think-ms") a.think_ms = std::stod(v());
    else if (k == "--arrival-rate") a.arrival_rate = std::stod(v());
    else if (k == "--c2s-port") a.c2s_port = static_cast<unsigned short>(std::stoi(v()));
    else if (k == "--chat-domain") a.chat_domain = v();
    else if (k == "--queues") a.queues = v();
    else if (k == "--notice-version") a.notice_version = v();
    else if (k == "--rates") {
      a.rates.clear();
      std::stringstream ss(v());
      std::string r;
      while (std::getline(ss, r, ',')) a.rates.push_back(std::stod(r));
    } else usage();
  }
  if (a.scenario.empty() || a.port == 0) usage();
  if (a.chat_domain.empty()) a.chat_domain = "chat." + a.domain;
  if (a.c2s_port == 0) a.c2s_port = a.port;
  // Load goes to this machine only (loopback); anything else is refused.
  error_code ec;
  auto addr = asio::ip::make_address(a.address, ec);
  if (ec || !addr.is_loopback()) {
    std::fprintf(stderr, "refusing non-loopback address %s\n", a.address.c_str());
    std::exit(2);
  }
  if (a.mech != "anonymous" && a.mech != "plain" && a.mech != "scram") usage();
  return a;
}
}  // namespace loadgen
