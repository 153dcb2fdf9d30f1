// The Prometheus text exposition format 0.0.4 writer (xmppd/metrics.hpp) the /metrics route and
// the modules' collectors share: families grouped, HELP and TYPE once, label values escaped.
#define BOOST_TEST_MODULE metrics_writer
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <stdexcept>

#include "xmppd/metrics.hpp"

using xmppd::MetricsWriter;

BOOST_AUTO_TEST_CASE(groups_samples_of_one_family_under_one_help_and_type) {
  MetricsWriter w;
  w.gauge("q_waiting", "Visitors waiting.", {{"host", "chat.a"}, {"queue", "general"}}, 1);
  w.counter("s_total", "Stanzas.", {}, 7);
  w.gauge("q_waiting", "Visitors waiting.", {{"host", "chat.b"}, {"queue", "general"}}, 0);
  BOOST_TEST(w.text() ==
             "# HELP q_waiting Visitors waiting.\n# TYPE q_waiting gauge\n"
             "q_waiting{host=\"chat.a\",queue=\"general\"} 1\n"
             "q_waiting{host=\"chat.b\",queue=\"general\"} 0\n"
             "# HELP s_total Stanzas.\n# TYPE s_total counter\ns_total 7\n");
}

BOOST_AUTO_TEST_CASE(escapes_label_values_and_help_text) {
  MetricsWriter w;
  w.gauge("m", "a \\ b\nc", {{"queue", "say \"hi\"\\\n"}}, 2.5);
  BOOST_TEST(w.text() == "# HELP m a \\\\ b\\nc\n# TYPE m gauge\nm{queue=\"say \\\"hi\\\"\\\\\\n\"} 2.5\n");
}

BOOST_AUTO_TEST_CASE(writes_special_values_as_go_parses_them) {
  MetricsWriter w;
  w.gauge("m", "h", {{"k", "nan"}}, std::nan(""));
  w.gauge("m", "h", {{"k", "inf"}}, HUGE_VAL);
  w.gauge("m", "h", {{"k", "big"}}, 12345678901.0);
  BOOST_TEST(w.text() == "# HELP m h\n# TYPE m gauge\nm{k=\"nan\"} NaN\nm{k=\"inf\"} +Inf\nm{k=\"big\"} 12345678901\n");
}

BOOST_AUTO_TEST_CASE(rejects_names_outside_the_grammar_and_a_family_with_two_types) {
  MetricsWriter w;
  BOOST_CHECK_THROW(w.gauge("1abc", "h", {}, 1), std::invalid_argument);
  BOOST_CHECK_THROW(w.gauge("a-b", "h", {}, 1), std::invalid_argument);
  BOOST_CHECK_THROW(w.gauge("ok", "h", {{"a:b", "v"}}, 1), std::invalid_argument);
  BOOST_CHECK_THROW(w.gauge("ok", "h", {{"__reserved", "v"}}, 1), std::invalid_argument);
  w.gauge("ok", "h", {}, 1);
  BOOST_CHECK_THROW(w.counter("ok", "h", {}, 1), std::invalid_argument);
}
