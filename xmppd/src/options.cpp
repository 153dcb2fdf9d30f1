// Typed option values and the unit parsers the configuration uses.
#include "xmppd/options.hpp"

#include <charconv>
#include <stdexcept>

namespace xmppd {

const OptionValue& Options::get(const std::string& key) const {
  auto it = values_.find(key);
  // Options are validated against the module's specs at load: a missing key is a bug.
  if (it == values_.end()) throw std::logic_error("option not declared: " + key);
  return it->second;
}
bool Options::boolean(const std::string& key) const { return std::get<bool>(get(key)); }
std::int64_t Options::integer(const std::string& key) const { return std::get<std::int64_t>(get(key)); }
const std::string& Options::string(const std::string& key) const { return std::get<std::string>(get(key)); }
const std::vector<std::string>& Options::strings(const std::string& key) const {
  return std::get<std::vector<std::string>>(get(key));
}
std::chrono::milliseconds Options::duration(const std::string& key) const {
  return std::chrono::milliseconds(std::get<std::int64_t>(get(key)));
}
std::uint64_t Options::bytes(const std::string& key) const {
  return std::uint64_t(std::get<std::int64_t>(get(key)));
}

namespace {
bool split_number(std::string_view text, std::uint64_t& number, std::string_view& unit) {
  auto first = text.data(), last = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(first, last, number);
  if (ec != std::errc() || ptr == first) return false;
  unit = std::string_view(ptr, last - ptr);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  return true;
}
}  // namespace

bool parse_duration(std::string_view text, std::chrono::milliseconds& out) {
  std::uint64_t n;
  std::string_view unit;
  if (!split_number(text, n, unit)) return false;
  std::uint64_t ms;
  if (unit == "ms") ms = n;
  else if (unit == "s") ms = n * 1000;
  else if (unit == "m" || unit == "min") ms = n * 60'000;
  else if (unit == "h") ms = n * 3'600'000;
  else if (unit == "d") ms = n * 86'400'000;
  else return false;
  out = std::chrono::milliseconds(ms);
  return true;
}

bool parse_bytes(std::string_view text, std::uint64_t& out) {
  std::uint64_t n;
  std::string_view unit;
  if (!split_number(text, n, unit)) return false;
  if (unit.empty() || unit == "B") out = n;
  else if (unit == "KiB") out = n << 10;
  else if (unit == "MiB") out = n << 20;
  else if (unit == "GiB") out = n << 30;
  else return false;
  return true;
}

}  // namespace xmppd
