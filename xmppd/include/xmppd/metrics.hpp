// Samples modules add to the HTTP listener's /metrics (Prometheus text exposition format 0.0.4,
// https://prometheus.io/docs/instrumenting/exposition_formats/): a module registers a collector
// with ModuleContext::add_metrics; at each scrape the collectors write their current values.
// The core never names a module: it only runs the collectors it was given.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xmppd {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

// Collects the samples of one scrape and writes them out grouped by metric family, as the format
// requires (all lines of one name together, HELP and TYPE once before them), whichever order and
// whichever host the collectors ran in. Label values are escaped here (\\, \", \n).
class MetricsWriter {
 public:
  enum class Type { counter, gauge };

  // A sample of a gauge (a value that goes up and down, e.g. visitors waiting).
  void gauge(std::string_view name, std::string_view help, const MetricLabels& labels, double value) {
    sample(name, help, Type::gauge, labels, value);
  }
  // A sample of a counter (only goes up while the process runs; name ends in _total).
  void counter(std::string_view name, std::string_view help, const MetricLabels& labels, double value) {
    sample(name, help, Type::counter, labels, value);
  }
  // Adds one sample. A name or label name outside the format's grammar ([a-zA-Z_:][a-zA-Z0-9_:]*,
  // labels without ':') or a family written with another type is a programming error:
  // std::invalid_argument.
  void sample(std::string_view name, std::string_view help, Type type, const MetricLabels& labels, double value);

  // The exposition text: families in the order first seen, each with its HELP and TYPE lines.
  std::string text() const;

 private:
  struct Family {
    std::string name, help;
    Type type;
    std::string lines;
  };
  std::vector<Family> families_;
};

using MetricsCollector = std::function<void(MetricsWriter&)>;

}  // namespace xmppd
