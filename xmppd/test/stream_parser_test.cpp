// The XML stream parser: RFC 6120 §4 framing, §11 restricted XML, budgets, and the expat
// reparse-deferral hang (CVE-2023-52425) that a stream protocol must not suffer.
#define BOOST_TEST_MODULE stream_parser
#include <boost/test/unit_test.hpp>

#include <ostream>
#include <string>
#include <vector>

#include "xml/stream_parser.hpp"
#include "xmppd/namespaces.hpp"

using namespace xmppd;

namespace xmppd {
std::ostream& operator<<(std::ostream& os, ParseError e) { return os << "<" << stream_error_name(e) << ">"; }
}  // namespace xmppd

namespace {
const std::string kHeader =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
    "xmlns:stream='http://etherx.jabber.org/streams' to='example.org' version='1.0'>";

struct Recorder {
  std::vector<Element> stanzas;
  std::string content_ns;
  int opens = 0, closes = 0;
  StreamParser parser;
  explicit Recorder(ParserLimits limits = {})
      : parser(limits, StreamParser::Callbacks{
                           [this](const Element&, const std::string& ns) { ++opens, content_ns = ns; },
                           [this](Element&& e) { stanzas.push_back(std::move(e)); },
                           [this] { ++closes; }}) {}
  ParseError feed(const std::string& s) { return parser.feed(s.data(), s.size()); }
};
}  // namespace

BOOST_AUTO_TEST_CASE(rfc6120_4_7_stream_header_and_stanzas_are_delivered) {
  Recorder r;
  BOOST_TEST(r.feed(kHeader + "<message to='a@b'><body>hi</body></message>") == ParseError::none);
  BOOST_TEST(r.opens == 1);
  BOOST_TEST(r.content_ns == ns::kClient);
  BOOST_REQUIRE_EQUAL(r.stanzas.size(), 1u);
  BOOST_TEST(r.stanzas[0].ns() == ns::kClient);
  BOOST_TEST(r.stanzas[0].child_text("body", ns::kClient) == "hi");
  BOOST_TEST(r.feed("</stream:stream>") == ParseError::none);
  BOOST_TEST(r.closes == 1);
}

BOOST_AUTO_TEST_CASE(stanza_split_across_two_reads_is_delivered_as_soon_as_complete) {
  Recorder r;
  r.feed(kHeader + "<message><body>hel");
  BOOST_TEST(r.stanzas.empty());
  r.feed("lo</body></message>");
  BOOST_REQUIRE_EQUAL(r.stanzas.size(), 1u);  // no waiting for more bytes (reparse deferral off)
  BOOST_TEST(r.stanzas[0].child_text("body", ns::kClient) == "hello");
}

BOOST_AUTO_TEST_CASE(cve_2023_52425_byte_at_a_time_8k_token_is_handled_without_hang) {
  Recorder r;
  r.feed(kHeader);
  std::string stanza = "<message><body>" + std::string(8192, 'x') + "</body></message>";
  ParseError e = ParseError::none;
  for (char c : stanza) {
    e = r.feed(std::string(1, c));
    if (e != ParseError::none) break;
  }
  BOOST_TEST(e == ParseError::none);
  BOOST_REQUIRE_EQUAL(r.stanzas.size(), 1u);
}

BOOST_AUTO_TEST_CASE(byte_at_a_time_huge_attribute_is_refused_not_hung) {
  Recorder r;
  r.feed(kHeader);
  std::string big = "<message to='" + std::string(64 * 1024, 'a');
  ParseError e = ParseError::none;
  for (std::size_t i = 0; i < big.size() && e == ParseError::none; i += 1) e = r.feed(big.substr(i, 1));
  BOOST_TEST(e == ParseError::policy_violation);
}

BOOST_AUTO_TEST_CASE(rfc6120_11_1_doctype_is_restricted_xml) {
  Recorder r;
  BOOST_TEST(r.feed("<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]>" + kHeader) == ParseError::restricted_xml);
}

BOOST_AUTO_TEST_CASE(rfc6120_11_1_comment_is_restricted_xml) {
  Recorder r;
  r.feed(kHeader);
  BOOST_TEST(r.feed("<!-- hi -->") == ParseError::restricted_xml);
}

BOOST_AUTO_TEST_CASE(rfc6120_11_1_processing_instruction_is_restricted_xml) {
  Recorder r;
  r.feed(kHeader);
  BOOST_TEST(r.feed("<?php x?>") == ParseError::restricted_xml);
}

BOOST_AUTO_TEST_CASE(rfc6120_11_1_undefined_entity_is_restricted_xml) {
  Recorder r;
  r.feed(kHeader);
  BOOST_TEST(r.feed("<message><body>&foo;</body></message>") == ParseError::restricted_xml);
}

BOOST_AUTO_TEST_CASE(rfc6120_4_9_3_13_mismatched_tag_is_not_well_formed) {
  Recorder r;
  r.feed(kHeader);
  BOOST_TEST(r.feed("<message><body>x</message>") == ParseError::not_well_formed);
}

BOOST_AUTO_TEST_CASE(rfc6120_4_9_3_13_invalid_utf8_is_not_well_formed) {
  Recorder r;
  r.feed(kHeader);
  BOOST_TEST(r.feed("<message><body>\xC3\x28</body></message>") == ParseError::not_well_formed);
  Recorder s;
  s.feed(kHeader);
  BOOST_TEST(s.feed("<message><body>\xED\xA0\x80</body></message>") == ParseError::not_well_formed);
  Recorder t;
  t.feed(kHeader);
  BOOST_TEST(t.feed("<message><body>&#x1;</body></message>") == ParseError::not_well_formed);
}

BOOST_AUTO_TEST_CASE(rfc6120_4_9_3_10_wrong_stream_namespace_is_invalid_namespace) {
  Recorder r;
  BOOST_TEST(r.feed("<stream:stream xmlns:stream='urn:wrong' xmlns='jabber:client'>") == ParseError::invalid_namespace);
}

BOOST_AUTO_TEST_CASE(rfc6120_4_9_3_2_unbound_stream_prefix_is_bad_namespace_prefix) {
  Recorder r;
  BOOST_TEST(r.feed("<stream:stream xmlns='jabber:client'>") == ParseError::bad_namespace_prefix);
}

BOOST_AUTO_TEST_CASE(rfc6120_13_12_stanza_over_budget_is_policy_violation) {
  ParserLimits l;
  l.max_stanza_bytes = 1024;
  Recorder r(l);
  r.feed(kHeader);
  std::string body(600, 'a');
  BOOST_TEST(r.feed("<message><body>" + body) == ParseError::none);
  BOOST_TEST(r.feed(body) == ParseError::policy_violation);
  BOOST_TEST(r.stanzas.empty());
}

BOOST_AUTO_TEST_CASE(deep_nesting_is_policy_violation_not_recursion) {
  Recorder r;
  r.feed(kHeader);
  std::string deep;
  for (int i = 0; i < 10000; ++i) deep += "<a>";
  BOOST_TEST(r.feed("<message>" + deep) == ParseError::policy_violation);
}

BOOST_AUTO_TEST_CASE(too_many_attributes_is_policy_violation) {
  Recorder r;
  r.feed(kHeader);
  std::string attrs;
  for (int i = 0; i < 100; ++i) attrs += " a" + std::to_string(i) + "='x'";
  BOOST_TEST(r.feed("<message" + attrs + "/>") == ParseError::policy_violation);
}

BOOST_AUTO_TEST_CASE(whitespace_keepalives_between_stanzas_are_ignored) {
  Recorder r;
  r.feed(kHeader);
  BOOST_TEST(r.feed(" \n \t ") == ParseError::none);
  BOOST_TEST(r.feed("<presence/> ") == ParseError::none);
  BOOST_TEST(r.stanzas.size() == 1u);
}

BOOST_AUTO_TEST_CASE(prefixed_payload_namespaces_are_expanded_and_reserialised) {
  Recorder r;
  r.feed(kHeader);
  r.feed("<iq type='get' id='1'><p:query xmlns:p='jabber:iq:roster' xml:lang='pl'/></iq>");
  BOOST_REQUIRE_EQUAL(r.stanzas.size(), 1u);
  const Element* q = r.stanzas[0].child("query", "jabber:iq:roster");
  BOOST_REQUIRE(q);
  BOOST_TEST(q->attr("xml:lang") == "pl");
  BOOST_TEST(r.stanzas[0].to_string(ns::kClient) ==
             "<iq type=\"get\" id=\"1\"><query xmlns=\"jabber:iq:roster\" xml:lang=\"pl\"/></iq>");
}

BOOST_AUTO_TEST_CASE(reset_starts_a_new_stream_after_starttls_or_sasl) {
  Recorder r;
  r.feed(kHeader + "<presence/>");
  r.parser.reset();
  BOOST_TEST(r.feed(kHeader + "<presence/>") == ParseError::none);
  BOOST_TEST(r.opens == 2);
  BOOST_TEST(r.stanzas.size() == 2u);
}

BOOST_AUTO_TEST_CASE(escaping_round_trips_text_and_attributes) {
  Element m("message", ns::kClient);
  m.set_attr("to", "a'b\"<c>&");
  m.add_child("body", ns::kClient).add_text("<&>\"'");
  auto parsed = parse_element(m.to_string());
  BOOST_REQUIRE(parsed);
  BOOST_TEST(parsed->attr("to") == "a'b\"<c>&");
  BOOST_TEST(parsed->child_text("body", ns::kClient) == "<&>\"'");
}

BOOST_AUTO_TEST_CASE(parked_parser_resumes_the_stream_after_replaying_its_header) {
  Recorder r;
  r.feed(kHeader + "<presence/>");
  BOOST_REQUIRE(r.parser.park());
  BOOST_TEST(r.parser.parked());
  BOOST_TEST(r.feed("<message><body>after</body></message>") == ParseError::none);
  BOOST_TEST(r.opens == 1);  // the replayed header is not reported again
  BOOST_REQUIRE_EQUAL(r.stanzas.size(), 2u);
  BOOST_TEST(r.stanzas[1].ns() == ns::kClient);
  BOOST_TEST(r.stanzas[1].child_text("body", ns::kClient) == "after");
  BOOST_TEST(r.feed("</stream:stream>") == ParseError::none);
  BOOST_TEST(r.closes == 1);
}

BOOST_AUTO_TEST_CASE(parser_does_not_park_inside_a_stanza_or_a_partial_tag) {
  Recorder r;
  r.feed(kHeader + "<message><body>half");
  BOOST_TEST(!r.parser.park());
  r.feed("</body></message><pres");
  BOOST_TEST(!r.parser.park());  // "<pres" is still inside expat
  r.feed("ence/>");
  BOOST_TEST(r.parser.park());
  BOOST_TEST(r.stanzas.size() == 2u);
}

BOOST_AUTO_TEST_CASE(parked_parser_keeps_a_custom_stream_prefix) {
  Recorder r;
  r.feed("<s:stream xmlns='jabber:client' xmlns:s='http://etherx.jabber.org/streams' version='1.0'><presence/>");
  BOOST_REQUIRE(r.parser.park());
  BOOST_TEST(r.feed("<presence/></s:stream>") == ParseError::none);
  BOOST_TEST(r.closes == 1);
  BOOST_TEST(r.stanzas.size() == 2u);
}

BOOST_AUTO_TEST_CASE(whitespace_keepalive_wakes_a_parked_parser_harmlessly) {
  Recorder r;
  r.feed(kHeader);
  BOOST_REQUIRE(r.parser.park());
  BOOST_TEST(r.feed(" ") == ParseError::none);
  BOOST_TEST(r.parser.park());
}

BOOST_AUTO_TEST_CASE(element_in_no_namespace_keeps_it_on_a_round_trip) {
  Recorder r;
  r.feed(kHeader);
  r.feed("<iq type='set' id='1'><query xmlns='jabber:iq:private'><x xmlns=''/></query></iq>");
  BOOST_REQUIRE_EQUAL(r.stanzas.size(), 1u);
  auto again = parse_element(r.stanzas[0].to_string(ns::kClient));
  BOOST_REQUIRE(again);
  const Element* q = again->child("query", "jabber:iq:private");
  BOOST_REQUIRE(q);
  BOOST_TEST(q->child("x", "") != nullptr);
}

// parse_elements() reuses one parser per thread: nothing of a text refused, cut off or holding
// two elements reaches the next call (RFC 7395 §3.3.3 frames every WebSocket message this way).
BOOST_AUTO_TEST_CASE(parsed_texts_share_a_parser_but_nothing_else) {
  ParserLimits limits;
  std::optional<Element> first;
  int count = 0;
  std::string error;
  BOOST_TEST(parse_elements("<a><b></a>", limits, first, count, error) == ParseError::not_well_formed);
  BOOST_TEST(!error.empty());
  BOOST_TEST(!parse_element("<message><body>cut off"));
  BOOST_TEST(!parse_element("<a/><b/>"));
  BOOST_TEST(!parse_element("<!-- c --><a/>"));
  first.reset();
  error.clear();
  // A second top-level element is junk after the document (XML 1.0 §2.1): the first is
  // reported, then the error.
  BOOST_TEST(parse_elements("<a/><b/>", limits, first, count, error) == ParseError::not_well_formed);
  BOOST_TEST(count == 1);
  BOOST_REQUIRE(first);
  BOOST_TEST(first->name() == "a");
  auto m = parse_element("<message xmlns='jabber:client' to='a@b'><body>ok</body></message>");
  BOOST_REQUIRE(m);
  BOOST_TEST(m->name() == "message");
  BOOST_TEST(m->ns() == "jabber:client");
  BOOST_TEST(m->child("body", "jabber:client")->text() == "ok");
}
