// Typed module options: each declared with type, default, range and one line of documentation;
// the configuration loader rejects unknown keys and bad values, naming host/module/key.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace xmppd {

enum class OptionType { boolean, integer, string, string_list, duration, bytes };

struct OptionSpec {
  std::string key;
  OptionType type;
  std::string default_value;  // as it would be written in the file: "true", "30s", "256KiB"
  std::int64_t min = 0, max = INT64_MAX;  // for integer, duration (ms) and bytes
  std::string doc;
};

using OptionValue = std::variant<bool, std::int64_t, std::string, std::vector<std::string>>;

// The validated values of one module on one host.
class Options {
 public:
  Options() = default;
  explicit Options(std::map<std::string, OptionValue> values) : values_(std::move(values)) {}
  bool boolean(const std::string& key) const;
  std::int64_t integer(const std::string& key) const;
  const std::string& string(const std::string& key) const;
  const std::vector<std::string>& strings(const std::string& key) const;
  std::chrono::milliseconds duration(const std::string& key) const;
  std::uint64_t bytes(const std::string& key) const;

 private:
  const OptionValue& get(const std::string& key) const;
  std::map<std::string, OptionValue> values_;
};

// Parses "30s", "5m", "250ms", "2h", "7d" into milliseconds; false when malformed.
bool parse_duration(std::string_view text, std::chrono::milliseconds& out);
// Parses "256KiB", "1MiB", "1000" into bytes; false when malformed.
bool parse_bytes(std::string_view text, std::uint64_t& out);

}  // namespace xmppd
