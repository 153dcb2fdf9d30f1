// Logging to standard error. Privacy rule (DESIGN.md): never a message body, e-mail address,
// phone number or IP address in a log line; sessions are named by their numeric id.
#pragma once
#include <sstream>
#include <string>

namespace xmppd::log {

enum class Level { debug, info, warn, error };
void set_level(Level level);
bool enabled(Level level);
void write(Level level, std::string_view component, const std::string& message);

template <class... Args>
void at(Level level, std::string_view component, const Args&... args) {
  if (!enabled(level)) return;
  std::ostringstream s;
  (s << ... << args);
  write(level, component, s.str());
}
template <class... Args> void debug(std::string_view c, const Args&... a) { at(Level::debug, c, a...); }
template <class... Args> void info(std::string_view c, const Args&... a) { at(Level::info, c, a...); }
template <class... Args> void warn(std::string_view c, const Args&... a) { at(Level::warn, c, a...); }
template <class... Args> void error(std::string_view c, const Args&... a) { at(Level::error, c, a...); }

}  // namespace xmppd::log
