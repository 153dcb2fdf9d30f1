// The load generator's command line: one scenario, its sizes and rates, the server to measure.
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

namespace loadgen {

struct Args {
  std::string scenario;
  std::string address = "127.0.0.1";
  unsigned short port = 0;
  std::string domain = "localhost", anon_domain = "guest.localhost";
  std::string mech = "scram";  // anonymous | plain | scram
  bool starttls = false;
  std::string websocket;  // a path such as /xmpp-websocket: RFC 7395 instead of TCP
  std::string user_prefix = "u", password = "bench-password";
  int first = 0, users = 100, count = 1000, concurrency = 50;
  double duration = 10, drain = 10, settle = 3;
  int pairs = 50, window = 4, groups = 4, contacts = 50;
  std::vector<double> rates{2000, 10000, 0};
  double presence_rate = 200;
  int rooms = 20, occupants = 10;
  std::string room_domain = "conference.localhost";
  pid_t server_pid = 0;
  std::string label;
  int source_addresses = 1;  // spread connections over 127.0.0.1 … 127.0.0.N
  // Scenario 6 (livechat): visitors over --port (--websocket), consultants over --c2s-port (TCP).
  int visitors = 1000, consultants = 50, exchanges = 5;
  int tickets = 0, callbacks = 0;  // offline requests among the arrivals (queues need recipients)
  double think_ms = 0;  // a consultant's pause before each exchange (not before the first answer)
  double arrival_rate = 20;  // visitors per second, open loop
  unsigned short c2s_port = 0;
  std::string chat_domain, queues = "q0,q1,q2", notice_version = "bench-1";
  double max_seconds = 120;  // hard bound on the whole run
  // messages: one line per delivery (phase, send and receive time in ns, steady clock) to
  // place a latency tail in time beside a scheduler trace (docs/benchmarks.md, p99 at 10k/s).
  std::string latency_log;
};

[[noreturn]] void usage();
// Parses argv; exits with the usage text on anything unknown, and refuses non-loopback addresses.
Args parse(int argc, char** argv);

}  // namespace loadgen
