// What the load generator measures and prints: one JSON object per phase, latency percentiles,
// the stamps that let a receiver count each message once, and the server's CPU and memory.
#pragma once
#include <sys/types.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common.hpp"
#include "proc_stats.hpp"

namespace loadgen {

// A small JSON object writer (flat values and nested objects are all we print).
class Json {
 public:
  Json& num(const std::string& k, double v) {
    key(k);
    char buf[64];
    if (v == static_cast<double>(static_cast<long long>(v)) && std::abs(v) < 1e15)
      std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
    else
      std::snprintf(buf, sizeof buf, "%.6g", v);
    s_ += buf;
    return *this;
  }
  Json& str(const std::string& k, const std::string& v) {
    key(k);
    s_ += quote(v);
    return *this;
  }
  Json& boolean(const std::string& k, bool v) {
    key(k);
    s_ += v ? "true" : "false";
    return *this;
  }
  Json& raw(const std::string& k, const std::string& json) {
    key(k);
    s_ += json;
    return *this;
  }
  std::string done() const { return s_ + "}"; }

 private:
  void key(const std::string& k) {
    s_ += first_ ? "" : ",";
    first_ = false;
    s_ += quote(k) + ":";
  }
  static std::string quote(const std::string& v) {
    std::string o = "\"";
    for (char c : v) {
      if (c == '"' || c == '\\') o += '\\', o += c;
      else if (static_cast<unsigned char>(c) < 0x20) {
        char b[8];
        std::snprintf(b, sizeof b, "\\u%04x", c);
        o += b;
      } else o += c;
    }
    return o + "\"";
  }
  std::string s_ = "{";
  bool first_ = true;
};

struct Percentiles {
  double p50 = 0, p99 = 0, max = 0, mean = 0;
  std::size_t n = 0;
};
// What every measured stanza carries in its body (or status): phase, sender, sequence number
// and the send time, so the receiver counts each (sender, sequence) once and times it.
struct Stamp {
  int phase = 0, sender = 0;
  long long seq = 0, sent_ns = 0;
};
std::optional<Stamp> parse_stamp(std::string_view text);
// Marks `seq` seen; false when it was already (a duplicate).
bool first_sight(std::vector<std::uint8_t>& seen, long long seq);
Percentiles percentiles_ms(std::vector<std::int64_t> v);
void put_latency(Json& j, const std::string& prefix, const Percentiles& p);

// Server CPU/RSS (process tree), the generator's CPU and wall time between start() and stop().
struct Meter {
  explicit Meter(pid_t p) : pid(p) {}
  pid_t pid;
  TreeSample s0, s1;
  double self0 = 0, self1 = 0;
  std::int64_t t0 = 0, t1 = 0;
  void start() {
    s0 = sample_tree(pid);
    self0 = self_cpu_seconds();
    t0 = now_ns();
  }
  void stop() {
    t1 = now_ns();
    s1 = sample_tree(pid);
    self1 = self_cpu_seconds();
  }
  double server_cpu() const { return s1.cpu_s - s0.cpu_s; }
  double wall() const { return (t1 - t0) / 1e9; }
  void put(Json& j) const {
    j.num("server_cpu_s", server_cpu())
        .num("loadgen_cpu_s", self1 - self0)
        .num("wall_s", wall())
        .num("server_rss_kib", s1.rss_kib)
        .num("server_processes", s1.processes);
  }
};
}  // namespace loadgen
