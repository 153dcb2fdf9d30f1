#include "report.hpp"

#include <algorithm>

namespace loadgen {

std::optional<Stamp> parse_stamp(std::string_view text) {
  Stamp st;
  if (std::sscanf(std::string(text).c_str(), "%d %d %lld %lld", &st.phase, &st.sender, &st.seq, &st.sent_ns) != 4 ||
      st.seq < 0)
    return std::nullopt;
  return st;
}
bool first_sight(std::vector<std::uint8_t>& seen, long long seq) {
  auto q = static_cast<std::size_t>(seq);
  if (q >= seen.size()) seen.resize(std::max<std::size_t>(q + 1, seen.size() * 2));
  if (seen[q]) return false;
  seen[q] = 1;
  return true;
}

Percentiles percentiles_ms(std::vector<std::int64_t> v) {
  Percentiles p;
  p.n = v.size();
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<std::size_t>(q * (v.size() - 1) + 0.5))] / 1e6; };
  p.p50 = at(0.50);
  p.p99 = at(0.99);
  p.max = v.back() / 1e6;
  double sum = 0;
  for (auto x : v) sum += static_cast<double>(x);
  p.mean = sum / static_cast<double>(v.size()) / 1e6;
  return p;
}
void put_latency(Json& j, const std::string& prefix, const Percentiles& p) {
  j.num(prefix + "_p50_ms", p.p50).num(prefix + "_p99_ms", p.p99).num(prefix + "_max_ms", p.max);
}

}  // namespace loadgen
