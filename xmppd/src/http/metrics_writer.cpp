// The Prometheus text exposition format 0.0.4 writer of xmppd/metrics.hpp.
#include <charconv>
#include <cmath>
#include <stdexcept>

#include "xmppd/metrics.hpp"

namespace xmppd {

namespace {

bool name_ok(std::string_view name, bool colon_allowed) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon_allowed && c == ':') ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// Label values escape backslash, double quote and line feed; HELP text backslash and line feed.
void append_escaped(std::string& out, std::string_view text, bool quote) {
  for (char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (quote && c == '"') out += "\\\"";
    else out += c;
  }
}

// Go's ParseFloat syntax: whole numbers without a fraction, NaN, +Inf, -Inf.
void append_value(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, ec == std::errc() ? end : buf);
  }
}

}  // namespace

void MetricsWriter::sample(std::string_view name, std::string_view help, Type type, const MetricLabels& labels,
                           double value) {
  // Checked before anything is written, so a refused sample leaves no partial line.
  if (!name_ok(name, true)) throw std::invalid_argument("bad metric name " + std::string(name));
  for (const auto& [k, v] : labels)
    if (!name_ok(k, false) || k.starts_with("__")) throw std::invalid_argument("bad label name " + k);
  Family* family = nullptr;
  for (auto& f : families_)
    if (f.name == name) family = &f;
  if (!family) {
    families_.push_back(Family{std::string(name), std::string(help), type, {}});
    family = &families_.back();
  } else if (family->type != type) {
    throw std::invalid_argument("metric " + std::string(name) + " written with two types");
  }
  std::string& out = family->lines;
  out += name;
  if (!labels.empty()) {
    out += '{';
    bool first = true;
    for (const auto& [k, v] : labels) {
      if (!first) out += ',';
      first = false;
      out += k;
      out += "=\"";
      append_escaped(out, v, true);
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  append_value(out, value);
  out += '\n';
}

std::string MetricsWriter::text() const {
  std::string out;
  for (const auto& f : families_) {
    out += "# HELP " + f.name + " ";
    append_escaped(out, f.help, false);
    out += "\n# TYPE " + f.name + (f.type == Type::counter ? " counter\n" : " gauge\n");
    out += f.lines;
  }
  return out;
}

}  // namespace xmppd
