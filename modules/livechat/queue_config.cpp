// The queue entries of the configuration (see queue_config.hpp).
#include "queue_config.hpp"

#include <stdexcept>

#include "xmppd/jid.hpp"
#include "xmppd/options.hpp"

namespace xmppd::livechat {
std::string trim(std::string s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string::size_type start = 0;
  for (;;) {
    auto at = s.find(sep, start);
    out.push_back(trim(s.substr(start, at == std::string::npos ? std::string::npos : at - start)));
    if (at == std::string::npos) return out;
    start = at + 1;
  }
}

QueueConfig parse_queue(const std::string& entry, const std::string& account_domain,
                        std::chrono::milliseconds default_timeout) {
  auto fields = split(entry, '|');
  if (fields.size() < 3 || fields.size() > 6)
    throw std::invalid_argument("a queue is \"name | description | members | offer timeout | routing | recipients\"");
  QueueConfig q;
  auto name = precis::prepare_localpart(fields[0]);
  if (!name || name->empty() || name->rfind("c-", 0) == 0)
    throw std::invalid_argument("queue name \"" + fields[0] + "\" is not a JID localpart (or starts with c-)");
  q.name = *name;
  q.description = fields[1];
  auto accounts = [&](const std::string& list, const char* what) {
    std::vector<std::string> out;
    for (const auto& m : split(list, ',')) {
      if (m.empty()) continue;
      auto jid = Jid::parse(m.find('@') == std::string::npos ? m + "@" + account_domain : m);
      if (!jid || jid->local().empty() || !jid->is_bare())
        throw std::invalid_argument("queue " + q.name + ": " + what + " \"" + m + "\" is not a bare JID");
      out.push_back(jid->bare_str());
    }
    return out;
  };
  q.members = accounts(fields[2], "member");
  if (fields.size() > 5) q.recipients = accounts(fields[5], "recipient");
  q.offer_timeout = default_timeout;
  if (fields.size() > 3 && !fields[3].empty() && !parse_duration(fields[3], q.offer_timeout))
    throw std::invalid_argument("queue " + q.name + ": offer timeout \"" + fields[3] + "\" is not a duration");
  if (q.offer_timeout.count() < 1000)
    throw std::invalid_argument("queue " + q.name + ": offer timeout below 1s");
  if (fields.size() > 4 && !fields[4].empty() && fields[4] != "least_busy")
    throw std::invalid_argument("queue " + q.name + ": routing \"" + fields[4] + "\" is not least_busy");
  return q;
}

std::pair<std::string, WeeklyHours> parse_hours_entry(const std::string& entry) {
  auto fields = split(entry, '|');
  if (fields.size() < 2 || fields[0].empty())
    throw std::invalid_argument("hours are \"queue | mon-fri 09:00-17:00, sat 10:00-14:00 | holidays closed | slot 30m\"");
  WeeklyHours h;
  try {
    h = parse_week(fields[1]);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("hours of queue " + fields[0] + ": " + e.what());
  }
  for (std::size_t i = 2; i < fields.size(); ++i) {
    const auto& o = fields[i];
    if (o == "holidays open") h.open_on_holidays = true;
    else if (o == "holidays closed") h.open_on_holidays = false;
    else if (o.rfind("slot ", 0) == 0) {
      std::chrono::milliseconds length{};
      if (!parse_duration(trim(o.substr(5)), length) || length.count() < 5000 || length.count() > 86400000 ||
          length.count() % 1000)
        throw std::invalid_argument("hours of queue " + fields[0] + ": \"" + o +
                                    "\" is not a slot length in whole seconds between 5s and 24h (e.g. slot 30m)");
      h.slot = std::chrono::duration_cast<std::chrono::seconds>(length);
    } else {
      throw std::invalid_argument("hours of queue " + fields[0] + ": \"" + o +
                                  "\" is not \"holidays open\", \"holidays closed\" or \"slot DURATION\"");
    }
  }
  return {fields[0], std::move(h)};
}

std::pair<std::string, std::set<std::chrono::sys_days>> parse_closures_entry(const std::string& entry) {
  auto fields = split(entry, '|');
  if (fields.size() != 2 || fields[0].empty())
    throw std::invalid_argument("closures are \"queue-or-* | 2026-12-31, 2027-01-02..2027-01-05\"");
  std::set<std::chrono::sys_days> out;
  for (const auto& item : split(fields[1], ','))
    if (!item.empty()) {
      try {
        parse_closure(item, out);
      } catch (const std::invalid_argument& e) {
        throw std::invalid_argument("closures of " + fields[0] + ": " + e.what());
      }
    }
  return {fields[0], std::move(out)};
}

}  // namespace xmppd::livechat
