// Tests of JID parsing and preparation (RFC 7622, RFC 8264/8265, UTS #46) and SASLprep (RFC 4013).
#define BOOST_TEST_MODULE jid
#include "xmppd/jid.hpp"

#include <boost/test/unit_test.hpp>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "precis.hpp"

namespace boost::test_tools::tt_detail {
template <>
struct print_log_value<std::optional<std::string>> {
  void operator()(std::ostream& os, const std::optional<std::string>& v) {
    if (v)
      os << '"' << *v << '"';
    else
      os << "(refused)";
  }
};
}  // namespace boost::test_tools::tt_detail

namespace xmppd {
std::ostream& operator<<(std::ostream& os, const Jid& j) { return os << "Jid(" << j.str() << ")"; }
}  // namespace xmppd

namespace {

using xmppd::Jid;
using xmppd::precis::Derived;
using xmppd::precis::idna2008_property;
using xmppd::precis::precis_property;
using xmppd::precis::prepare_domainpart;
using xmppd::precis::prepare_localpart;
using xmppd::precis::prepare_resourcepart;
using xmppd::precis::saslprep;

using Prepared = std::optional<std::string>;
const Prepared kRefused;

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

struct Parsed {
  std::string_view input, local, domain, resource;
};

void check_parses(const Parsed& p) {
  BOOST_TEST_CONTEXT("input " << p.input) {
    const auto jid = Jid::parse(p.input);
    BOOST_TEST_REQUIRE(jid.has_value());
    BOOST_TEST(jid->local() == p.local);
    BOOST_TEST(jid->domain() == p.domain);
    BOOST_TEST(jid->resource() == p.resource);
  }
}

}  // namespace

// ---- RFC 7622 §3.5 examples -----------------------------------------------------------------

BOOST_AUTO_TEST_CASE(rfc7622_3_5_table1_valid_jids_parse) {
  const Parsed cases[] = {
      {"juliet@example.com", "juliet", "example.com", ""},
      {"juliet@example.com/foo", "juliet", "example.com", "foo"},
      {"juliet@example.com/foo bar", "juliet", "example.com", "foo bar"},
      {"juliet@example.com/foo@bar", "juliet", "example.com", "foo@bar"},
      {"foo\\20bar@example.com", "foo\\20bar", "example.com", ""},
      {"fussball@example.com", "fussball", "example.com", ""},
      {"fu\u00DFball@example.com", "fu\u00DFball", "example.com", ""},
      {"\u03C0@example.com", "\u03C0", "example.com", ""},
      {"\u03A3@example.com/foo", "\u03C3", "example.com", "foo"},
      {"\u03C3@example.com/foo", "\u03C3", "example.com", "foo"},
      {"\u03C2@example.com/foo", "\u03C2", "example.com", "foo"},
      {"king@example.com/\u265A", "king", "example.com", "\u265A"},
      {"example.com", "", "example.com", ""},
      {"example.com/foobar", "", "example.com", "foobar"},
      {"a.example.com/b@example.net", "", "a.example.com", "b@example.net"},
  };
  for (const auto& c : cases) check_parses(c);
}

BOOST_AUTO_TEST_CASE(rfc7622_3_5_table2_invalid_jids_are_refused) {
  const std::string_view cases[] = {
      "\"juliet\"@example.com",   // quotation marks in localpart
      "foo bar@example.com",      // space in localpart
      "@example.com/",            // empty localpart and resourcepart
      "henry\u2163@example.com",  // ROMAN NUMERAL FOUR has a compatibility decomposition
      "\u265A@example.com",       // BLACK CHESS KING is a symbol
      "juliet@",                  // no domainpart
      "/foobar",                  // no domainpart
  };
  for (auto input : cases) BOOST_TEST(!Jid::parse(input).has_value(), "accepted " << input);
}

// Table 2 lists "juliet@example.com/ foo" as invalid, but OpaqueString allows U+0020 anywhere;
// RFC 7622 errata 4560 withdraws that example.
BOOST_AUTO_TEST_CASE(rfc7622_errata_4560_leading_space_in_resourcepart_is_allowed) {
  check_parses({"juliet@example.com/ foo", "juliet", "example.com", " foo"});
}

// ---- RFC 7622 §3.1-3.2: splitting ------------------------------------------------------------

BOOST_AUTO_TEST_CASE(rfc7622_3_2_resourcepart_starts_at_first_slash) {
  check_parses({"server/resource@foo", "", "server", "resource@foo"});
  check_parses({"server/resource@foo/bar", "", "server", "resource@foo/bar"});
  check_parses({"juliet@example.com/a/b", "juliet", "example.com", "a/b"});
}

BOOST_AUTO_TEST_CASE(rfc7622_3_2_localpart_ends_at_first_at_sign) {
  // The domainpart after the first '@' then holds an '@', which no domain name has.
  BOOST_TEST(!Jid::parse("a@b@example.com").has_value());
  BOOST_TEST(!Jid::parse("user@@host").has_value());
  BOOST_TEST(!Jid::parse("user@@host/resource").has_value());
}

BOOST_AUTO_TEST_CASE(rfc7622_3_1_empty_parts_are_refused) {
  for (std::string_view input :
       {"", "@", "/", "@/", "@example.com", "example.com/", "juliet@example.com/", "node@/server",
        "@/resource", "user@", "@server/resource"})
    BOOST_TEST(!Jid::parse(input).has_value(), "accepted '" << input << "'");
}

BOOST_AUTO_TEST_CASE(rfc7622_3_1_separators_are_matched_before_preparation) {
  // FULLWIDTH COMMERCIAL AT and FULLWIDTH SOLIDUS are no separators; after width mapping in
  // the localpart they are forbidden characters (RFC 7622 §3.3.1).
  BOOST_TEST(!Jid::parse("a\uFF20b@example.com").has_value());
  BOOST_TEST(!Jid::parse("a\uFF0Fb@example.com").has_value());
  check_parses({"juliet@example.com/a\uFF20b", "juliet", "example.com", "a\uFF20b"});
}

BOOST_AUTO_TEST_CASE(rfc7622_3_2_one_trailing_dot_is_stripped) {
  check_parses({"juliet@example.com./balcony", "juliet", "example.com", "balcony"});
  BOOST_TEST(prepare_domainpart("example.com.") == "example.com");
  BOOST_TEST(prepare_domainpart("example.com\u3002") == "example.com");  // IDEOGRAPHIC FULL STOP
  BOOST_TEST(prepare_domainpart("example.com..") == kRefused);
  BOOST_TEST(prepare_domainpart(".") == kRefused);
  BOOST_TEST(prepare_domainpart("") == kRefused);
}

// ---- Jid value semantics ---------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(rfc7622_3_1_equal_after_preparation_means_equal_jids) {
  const auto a = Jid::parse("JULIET@EXAMPLE.COM/Balcony");
  const auto b = Jid::parse("juliet@example.com./Balcony");
  BOOST_TEST_REQUIRE(a.has_value());
  BOOST_TEST_REQUIRE(b.has_value());
  BOOST_TEST(*a == *b);
  BOOST_TEST(std::hash<Jid>{}(*a) == std::hash<Jid>{}(*b));
  // The resourcepart keeps its case (OpaqueString has no case mapping).
  BOOST_TEST(*a != *Jid::parse("juliet@example.com/balcony"));
}

BOOST_AUTO_TEST_CASE(jid_accessors_and_printing) {
  const auto full = Jid::parse("Juliet@Example.com/Balcony");
  BOOST_TEST_REQUIRE(full.has_value());
  BOOST_TEST(full->str() == "juliet@example.com/Balcony");
  BOOST_TEST(full->bare_str() == "juliet@example.com");
  BOOST_TEST(!full->is_bare());
  BOOST_TEST(!full->is_domain());
  BOOST_TEST(!full->empty());

  const Jid bare = full->bare();
  BOOST_TEST(bare.str() == "juliet@example.com");
  BOOST_TEST(bare.is_bare());
  BOOST_TEST(bare.resource().empty());

  const Jid other = bare.with_resource("orchard");
  BOOST_TEST(other.str() == "juliet@example.com/orchard");
  BOOST_TEST(other.bare() == bare);

  const auto domain = Jid::parse("example.com");
  BOOST_TEST_REQUIRE(domain.has_value());
  BOOST_TEST(domain->is_domain());
  BOOST_TEST(domain->is_bare());
  BOOST_TEST(domain->str() == "example.com");
  BOOST_TEST(domain->bare_str() == "example.com");
  BOOST_TEST(domain->with_resource("x").str() == "example.com/x");

  const Jid none;
  BOOST_TEST(none.empty());
  BOOST_TEST(none.str().empty());
}

BOOST_AUTO_TEST_CASE(rfc7622_3_1_from_parts_prepares_each_part) {
  const auto jid = Jid::from_parts("Zażółć", "ÖBB.at", "Gęślą jaźń");
  BOOST_TEST_REQUIRE(jid.has_value());
  BOOST_TEST(jid->str() == "zażółć@öbb.at/Gęślą jaźń");
  const auto domain_only = Jid::from_parts("", "EXAMPLE.com");
  BOOST_TEST_REQUIRE(domain_only.has_value());
  BOOST_TEST(domain_only->str() == "example.com");
  BOOST_TEST(!Jid::from_parts("juliet", "").has_value());
  BOOST_TEST(!Jid::from_parts("jul iet", "example.com").has_value());
  BOOST_TEST(!Jid::from_parts("juliet", "example.com", "a\tb").has_value());
  // Parts are not split again: an '@' in the localpart is refused, in the resource kept.
  BOOST_TEST(!Jid::from_parts("a@b", "example.com").has_value());
  BOOST_TEST(Jid::from_parts("a", "example.com", "b@c/d")->resource() == "b@c/d");
}

// ---- Localpart: RFC 7622 §3.3, UsernameCaseMapped (RFC 8265 §3.3) ------------------------

BOOST_AUTO_TEST_CASE(rfc7622_3_3_localpart_is_case_mapped) {
  BOOST_TEST(prepare_localpart("Juliet") == "juliet");
  BOOST_TEST(prepare_localpart("JULIET") == "juliet");
  BOOST_TEST(prepare_localpart("\u0130") == "i\u0307");  // LATIN CAPITAL LETTER I WITH DOT ABOVE
}

BOOST_AUTO_TEST_CASE(rfc7622_3_3_polish_letters_are_allowed_and_lowercased) {
  BOOST_TEST(prepare_localpart("Zażółć") == "zażółć");
  BOOST_TEST(prepare_localpart("ZAŻÓŁĆ") == "zażółć");
  BOOST_TEST(prepare_localpart("GĘŚLĄJAŹŃ") == "gęśląjaźń");
  // Decomposed input is composed (NFC): Z + COMBINING DOT ABOVE, o + COMBINING ACUTE.
  BOOST_TEST(prepare_localpart("Z\u0307o\u0301") == "żó");
}

BOOST_AUTO_TEST_CASE(rfc8265_3_3_case_mapping_is_to_lower_not_case_folding) {
  // Case folding would turn ß into "ss" and final sigma into σ; toLowerCase keeps both.
  BOOST_TEST(prepare_localpart("Fußball") == "fußball");
  BOOST_TEST(prepare_localpart("\u1E9E") == "\u00DF");  // LATIN CAPITAL LETTER SHARP S
  BOOST_TEST(prepare_localpart("\u03C2") == "\u03C2");
  BOOST_TEST(prepare_localpart("fussball") != prepare_localpart("fußball"));
}

BOOST_AUTO_TEST_CASE(rfc8265_3_3_greek_capital_sigma_lowercases_by_position) {
  // Unicode toLowerCase maps a word-final capital sigma to FINAL SIGMA (Final_Sigma context).
  BOOST_TEST(prepare_localpart("\u039F\u0394\u03A5\u03A3\u03A3\u0395\u03A5\u03A3") ==
             "\u03BF\u03B4\u03C5\u03C3\u03C3\u03B5\u03C5\u03C2");  // ΟΔΥΣΣΕΥΣ → οδυσσευς
  BOOST_TEST(prepare_localpart("\u03A3") == "\u03C3");             // alone: σ
  BOOST_TEST(prepare_localpart("\u03A3\u03B1") == "\u03C3\u03B1");  // initial: σ
}

BOOST_AUTO_TEST_CASE(rfc8265_3_3_fullwidth_and_halfwidth_are_width_mapped) {
  BOOST_TEST(prepare_localpart("\uFF2A\uFF55\uFF4C\uFF49\uFF45\uFF54") ==
             "juliet");  // Ｊｕｌｉｅｔ
  // HALFWIDTH KATAKANA LETTER KA + HALFWIDTH VOICED SOUND MARK → KATAKANA LETTER GA (NFC).
  BOOST_TEST(prepare_localpart("\uFF76\uFF9E") == "\u30AC");
  // The mapping is to the decomposition mapping (not NFKC): HALFWIDTH HANGUL LETTERs become
  // compatibility jamo, which are refused, rather than conjoining jamo composing to 가.
  BOOST_TEST(prepare_localpart("\uFFA1\uFFBF") == kRefused);
  BOOST_TEST(prepare_localpart("\u1100\u1161") == "\uAC00");
  // The resourcepart (OpaqueString) has no width mapping.
  BOOST_TEST(prepare_resourcepart("\uFF2A") == "\uFF2A");
}

BOOST_AUTO_TEST_CASE(rfc8264_9_17_compatibility_characters_are_refused_in_localpart) {
  BOOST_TEST(prepare_localpart("henry\u2163") == kRefused);  // ROMAN NUMERAL FOUR
  BOOST_TEST(prepare_localpart("\uFB03") == kRefused);       // LATIN SMALL LIGATURE FFI
  BOOST_TEST(prepare_localpart("x\u00B2") == kRefused);      // SUPERSCRIPT TWO
  BOOST_TEST(prepare_localpart("\u01C5") == kRefused);       // titlecase Dž lowercases to ǆ
  // ANGSTROM SIGN is canonically equivalent to Å, so NFC leaves nothing to refuse.
  BOOST_TEST(prepare_localpart("\u212B") == "\u00E5");
}

BOOST_AUTO_TEST_CASE(rfc7622_3_3_1_forbidden_ascii_characters_are_refused) {
  for (std::string_view c : {"\"", "&", "'", "/", ":", "<", ">", "@"}) {
    BOOST_TEST(prepare_localpart("a" + std::string(c) + "b") == kRefused, "accepted " << c);
    BOOST_TEST(prepare_resourcepart("a" + std::string(c) + "b") == "a" + std::string(c) + "b");
  }
  // Allowed ASCII punctuation stays.
  BOOST_TEST(prepare_localpart("a.b-c_d+e!f") == "a.b-c_d+e!f");
}

BOOST_AUTO_TEST_CASE(rfc8264_9_spaces_controls_and_ignorables_are_refused_in_localpart) {
  const std::string_view cases[] = {"foo bar",  "a\u00A0b",   "a\tb",     "a\nb",     {"a\0b", 3},
                                    "a\u00ADb", "a\u200Bb",   "a\uFEFFb", "a\uFE0Fb", "\u1100",
                                    "\uFDD0",   "\U000E0041", "\uE000",   "\u0378"};
  for (auto s : cases) BOOST_TEST(prepare_localpart(s) == kRefused, "accepted " << s);
}

BOOST_AUTO_TEST_CASE(rfc5892_a1_a2_zero_width_joiners_need_their_context) {
  // ZWJ and ZWNJ after a virama (Devanagari KA + VIRAMA + ZWJ/ZWNJ + SSA).
  BOOST_TEST(prepare_localpart("\u0915\u094D\u200D\u0937") == "\u0915\u094D\u200D\u0937");
  BOOST_TEST(prepare_localpart("\u0915\u094D\u200C\u0937") == "\u0915\u094D\u200C\u0937");
  BOOST_TEST(prepare_localpart("\u0915\u200D\u0937") == kRefused);
  // ZWNJ between joining letters: BEH + ZWNJ + BEH (Persian style), BEH + ZWNJ + ALEF.
  BOOST_TEST(prepare_localpart("\u0628\u200C\u0628") == "\u0628\u200C\u0628");
  BOOST_TEST(prepare_localpart("\u0628\u200C\u0627") == "\u0628\u200C\u0627");
  // ALEF joins only to the right, so it cannot precede a ZWNJ.
  BOOST_TEST(prepare_localpart("\u0627\u200C\u0628") == kRefused);
  BOOST_TEST(prepare_localpart("a\u200Cb") == kRefused);
  BOOST_TEST(prepare_localpart("a\u200Db") == kRefused);
  BOOST_TEST(prepare_localpart("\u200D") == kRefused);
  // The contextual rules hold in FreeformClass too.
  BOOST_TEST(prepare_resourcepart("a\u200Db") == kRefused);
}

BOOST_AUTO_TEST_CASE(rfc5892_a3_to_a9_contextual_punctuation_and_digits) {
  BOOST_TEST(prepare_localpart("col\u00B7lega") == "col\u00B7lega");  // A.3 Catalan l·l
  BOOST_TEST(prepare_localpart("a\u00B7b") == kRefused);
  BOOST_TEST(prepare_localpart("\u0375\u03B1") == "\u0375\u03B1");  // A.4 keraia + Greek
  BOOST_TEST(prepare_localpart("\u0375a") == kRefused);
  BOOST_TEST(prepare_localpart("\u05D0\u05F3") == "\u05D0\u05F3");  // A.5 Hebrew + geresh
  BOOST_TEST(prepare_localpart("a\u05F3") == kRefused);
  BOOST_TEST(prepare_localpart("\u30A2\u30FB\u30A2") == "\u30A2\u30FB\u30A2");  // A.7
  BOOST_TEST(prepare_localpart("a\u30FBb") == kRefused);
  BOOST_TEST(prepare_localpart("\u0628\u0660") == "\u0628\u0660");  // A.8
  BOOST_TEST(prepare_localpart("\u0628\u06F0") == "\u0628\u06F0");  // A.9
  BOOST_TEST(prepare_localpart("\u0628\u0660\u06F0") == kRefused);  // mixed digit sets
}

BOOST_AUTO_TEST_CASE(rfc5893_bidi_rule_applies_to_localparts_with_rtl_characters) {
  BOOST_TEST(prepare_localpart("\u05D0\u05D1") == "\u05D0\u05D1");
  BOOST_TEST(prepare_localpart("\u05D01") == "\u05D01");            // RTL may end in a digit
  BOOST_TEST(prepare_localpart("\u05D0a") == kRefused);             // L in an RTL string
  BOOST_TEST(prepare_localpart("a\u05D0") == kRefused);             // R in an LTR string
  BOOST_TEST(prepare_localpart("1\u05D0") == kRefused);             // must start with L, R or AL
  BOOST_TEST(prepare_localpart("\u0627\u0661\u0031") == kRefused);  // AN and EN together
  // Without RTL characters the rule does not apply, so a username may start with a digit.
  BOOST_TEST(prepare_localpart("1st") == "1st");
  BOOST_TEST(prepare_localpart("123") == "123");
}

// ---- Resourcepart: RFC 7622 §3.4, OpaqueString (RFC 8265 §4.2) ----------------------------

BOOST_AUTO_TEST_CASE(rfc8265_4_2_resourcepart_keeps_case_and_maps_spaces) {
  BOOST_TEST(prepare_resourcepart("Balcony") == "Balcony");
  BOOST_TEST(prepare_resourcepart("foo\u00A0bar") == "foo bar");
  BOOST_TEST(prepare_resourcepart("\u3000x\u2003y") == " x y");
  BOOST_TEST(prepare_resourcepart(" ") == " ");
  BOOST_TEST(prepare_resourcepart("e\u0301") == "\u00E9");  // NFC
  BOOST_TEST(prepare_resourcepart("Gęślą jaźń") == "Gęślą jaźń");
}

BOOST_AUTO_TEST_CASE(rfc8264_4_3_freeform_class_allows_symbols_and_compatibility_characters) {
  BOOST_TEST(prepare_resourcepart("\u265A") == "\u265A");
  BOOST_TEST(prepare_resourcepart("Henry \u2163") == "Henry \u2163");
  BOOST_TEST(prepare_resourcepart("\U0001F600") == "\U0001F600");
  BOOST_TEST(prepare_resourcepart("a/b@c:d") == "a/b@c:d");
}

BOOST_AUTO_TEST_CASE(rfc8264_4_3_freeform_class_refuses_controls_and_ignorables) {
  const std::string_view cases[] = {"a\tb",     "a\nb",     "a\u007Fb", {"\0", 1},
                                    "a\u00ADb", "a\u200Bb", "\u2060",   "\uFFFF",
                                    "\u0378",   "\u1100",   "\uE000"};
  for (auto s : cases) BOOST_TEST(prepare_resourcepart(s) == kRefused, "accepted " << s);
  BOOST_TEST(prepare_resourcepart("") == kRefused);
}

// ---- RFC 7622 §3.1 length limits and UTF-8 ----------------------------------------------------

BOOST_AUTO_TEST_CASE(rfc7622_3_1_parts_longer_than_1023_bytes_are_refused) {
  BOOST_TEST(prepare_localpart(repeat("a", 1023)).has_value());
  BOOST_TEST(prepare_localpart(repeat("a", 1024)) == kRefused);
  BOOST_TEST(prepare_localpart(repeat("\u017C", 511) + "a").has_value());  // 1023 bytes
  BOOST_TEST(prepare_localpart(repeat("\u017C", 512)) == kRefused);        // 1024 bytes
  BOOST_TEST(prepare_resourcepart(repeat("r", 1023)).has_value());
  BOOST_TEST(prepare_resourcepart(repeat("r", 1024)) == kRefused);
  BOOST_TEST(Jid::parse(repeat("a", 1023) + "@example.com/" + repeat("r", 1023)).has_value());
  BOOST_TEST(!Jid::parse(repeat("a", 1024) + "@example.com").has_value());
  BOOST_TEST(!Jid::parse("a@example.com/" + repeat("r", 1024)).has_value());

  // Domainpart: 16 labels of 63 octets and 15 dots are 1023 octets (far above DNS's 253, which
  // RFC 7622 does not impose); 1024 octets are refused.
  const std::string label = repeat("a", 63);
  std::string domain = label;
  for (int i = 1; i < 16; ++i) domain += "." + label;
  BOOST_TEST_REQUIRE(domain.size() == 1023u);
  BOOST_TEST(prepare_domainpart(domain) == domain);
  std::string longer = repeat(label + ".", 15) + repeat("b", 62) + ".c";
  BOOST_TEST_REQUIRE(longer.size() == 1024u);
  BOOST_TEST(prepare_domainpart(longer) == kRefused);
}

BOOST_AUTO_TEST_CASE(rfc7622_3_1_length_limit_applies_after_preparation) {
  // 400 FULLWIDTH LATIN CAPITAL LETTER A are 1200 bytes of input but 400 once prepared.
  BOOST_TEST(prepare_localpart(repeat("\uFF21", 400)) == repeat("a", 400));
}

BOOST_AUTO_TEST_CASE(rfc3629_ill_formed_utf8_is_refused_everywhere) {
  const std::string_view bad[] = {
      "\xC0\xAF",          // overlong '/'
      "\xE0\x80\xAF",      // overlong '/'
      "\xED\xA0\x80",      // surrogate U+D800
      "\xF4\x90\x80\x80",  // above U+10FFFF
      "a\x80",             // stray continuation byte
      "\xE2\x82",          // truncated
      "\xFF",              // never valid
  };
  for (auto s : bad) {
    BOOST_TEST(prepare_localpart(s) == kRefused);
    BOOST_TEST(prepare_resourcepart(s) == kRefused);
    BOOST_TEST(prepare_domainpart(s) == kRefused);
    BOOST_TEST(saslprep(s) == kRefused);
  }
  BOOST_TEST(!Jid::parse("juliet@example.com/\xC0\xAF").has_value());
}

// ---- Domainpart: RFC 7622 §3.2, UTS #46 and IDNA2008 ---------------------------------------

BOOST_AUTO_TEST_CASE(rfc7622_3_2_domainpart_is_lowercased_unicode) {
  BOOST_TEST(prepare_domainpart("EXAMPLE.com") == "example.com");
  BOOST_TEST(prepare_domainpart("\u00D6BB.at") == "\u00F6bb.at");  // ÖBB.at
  BOOST_TEST(prepare_domainpart("B\u00FCcher.example") == "b\u00FCcher.example");
  BOOST_TEST(prepare_domainpart("localhost") == "localhost");
}

BOOST_AUTO_TEST_CASE(rfc7622_3_2_1_a_labels_become_u_labels) {
  BOOST_TEST(prepare_domainpart("xn--bb-eka.at") == "\u00F6bb.at");
  BOOST_TEST(prepare_domainpart("XN--BB-EKA.AT") == "\u00F6bb.at");
  BOOST_TEST(prepare_domainpart("xn--a.com") == kRefused);  // not Punycode of a valid label
  BOOST_TEST(prepare_domainpart("xn--.com") == kRefused);
  // Equal JIDs whichever form the peer used.
  BOOST_TEST(*Jid::parse("juliet@xn--bb-eka.at") == *Jid::parse("Juliet@\u00D6BB.at"));
}

BOOST_AUTO_TEST_CASE(uts46_nontransitional_processing_keeps_sharp_s) {
  BOOST_TEST(prepare_domainpart("fa\u00DF.de") == "fa\u00DF.de");
  BOOST_TEST(prepare_domainpart("FASS.de") == "fass.de");
}

BOOST_AUTO_TEST_CASE(uts46_maps_width_dots_and_ignorables) {
  // FULLWIDTH letters and FULLWIDTH FULL STOP, IDEOGRAPHIC FULL STOP, SOFT HYPHEN.
  BOOST_TEST(
      prepare_domainpart("\uFF25\uFF38\uFF21\uFF2D\uFF30\uFF2C\uFF25\uFF0E\uFF43\uFF4F\uFF4D") ==
      "example.com");
  BOOST_TEST(prepare_domainpart("example\u3002com") == "example.com");
  BOOST_TEST(prepare_domainpart("ex\u00ADample.com") == "example.com");
}

BOOST_AUTO_TEST_CASE(rfc7622_3_2_1_only_ldh_labels_and_u_labels_are_allowed) {
  for (std::string_view s : {"-example.com", "example-.com", "ab--cd.com", "exa_mple.com",
                             "exa mple.com", "a..b", ".example.com", "example.com/x"})
    BOOST_TEST(prepare_domainpart(s) == kRefused, "accepted " << s);
  // Valid under UTS #46 (NV8) but not IDNA2008: symbols and emoji are no U-label characters.
  BOOST_TEST(prepare_domainpart("\u2665.example") == kRefused);
  BOOST_TEST(prepare_domainpart("xn--ls8h.la") == kRefused);  // U+1F4A9
}

BOOST_AUTO_TEST_CASE(rfc5890_labels_are_limited_to_63_octets_in_a_label_form) {
  BOOST_TEST(prepare_domainpart(repeat("a", 63) + ".com").has_value());
  BOOST_TEST(prepare_domainpart(repeat("a", 64) + ".com") == kRefused);
  // 57 × ä is xn-- plus 59 characters; 58 × ä would need 64 octets as an A-label.
  BOOST_TEST(prepare_domainpart(repeat("\u00E4", 57) + ".de").has_value());
  BOOST_TEST(prepare_domainpart(repeat("\u00E4", 58) + ".de") == kRefused);
}

BOOST_AUTO_TEST_CASE(rfc5893_and_rfc5892_rules_apply_to_domain_labels) {
  BOOST_TEST(prepare_domainpart("\u05D0\u05D1.example") == "\u05D0\u05D1.example");
  BOOST_TEST(prepare_domainpart("a\u05D0.com") == kRefused);
  BOOST_TEST(prepare_domainpart("\u0915\u094D\u200D\u0937.in") == "\u0915\u094D\u200D\u0937.in");
  BOOST_TEST(prepare_domainpart("a\u200Db.com") == kRefused);
  BOOST_TEST(prepare_domainpart("l\u00B7l.cat") == "l\u00B7l.cat");
  BOOST_TEST(prepare_domainpart("a\u00B7b.cat") == kRefused);
  BOOST_TEST(prepare_domainpart("\u0660\u06F0.eg") == kRefused);
}

BOOST_AUTO_TEST_CASE(rfc7622_3_2_ip_literals_are_allowed) {
  BOOST_TEST(prepare_domainpart("192.0.2.1") == "192.0.2.1");
  BOOST_TEST(prepare_domainpart("192.0.2.1.") == "192.0.2.1");
  BOOST_TEST(prepare_domainpart("[::1]") == "[::1]");
  // Written canonically (RFC 5952) so one address is one JID.
  BOOST_TEST(prepare_domainpart("[2001:DB8:0:0:0:0:0:1]") == "[2001:db8::1]");
  check_parses({"juliet@[2001:db8::1]/balcony", "juliet", "[2001:db8::1]", "balcony"});
  for (std::string_view s : {"[192.0.2.1]", "[::1", "[]", "[fe80::1%eth0]", "256.1.1.1", "127.1",
                             "01.2.3.4", "1.2.3.4.5"})
    BOOST_TEST(prepare_domainpart(s) == kRefused, "accepted " << s);
}

// ---- SASLprep: RFC 4013 ------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(rfc4013_3_examples) {
  BOOST_TEST(saslprep("I\u00ADX") == "IX");          // 1: SOFT HYPHEN mapped to nothing
  BOOST_TEST(saslprep("user") == "user");            // 2: no transformation
  BOOST_TEST(saslprep("USER") == "USER");            // 3: case preserved
  BOOST_TEST(saslprep("\u00AA") == "a");             // 4: output is NFKC
  BOOST_TEST(saslprep("\u2168") == "IX");            // 5: output is NFKC
  BOOST_TEST(saslprep("\u0007") == kRefused);        // 6: prohibited character
  BOOST_TEST(saslprep("\u0627\u0031") == kRefused);  // 7: bidirectional check
}

BOOST_AUTO_TEST_CASE(rfc4013_2_non_ascii_space_maps_to_space_and_unassigned_is_refused) {
  BOOST_TEST(saslprep("pass\u00A0word") == "pass word");
  BOOST_TEST(saslprep("pass\u2060word") == "password");  // WORD JOINER: mapped to nothing (B.1)
  // Stored-string semantics (RFC 5802 §2.2): unassigned in Unicode 3.2 is refused, even
  // U+0221, which later versions assign.
  BOOST_TEST(saslprep("\u0221") == kRefused);
  BOOST_TEST(saslprep("\u0378") == kRefused);
  BOOST_TEST(saslprep("") == "");
}

// ---- Derived properties: RFC 8264 §8 and RFC 5892 §3 --------------------------------------

BOOST_AUTO_TEST_CASE(rfc8264_8_derived_property_examples) {
  BOOST_TEST((precis_property(U'a') == Derived::pvalid));
  BOOST_TEST((precis_property(U'A') == Derived::pvalid));        // ASCII7
  BOOST_TEST((precis_property(U' ') == Derived::free_pval));     // Spaces
  BOOST_TEST((precis_property(0x00DF) == Derived::pvalid));      // Exceptions
  BOOST_TEST((precis_property(0x0640) == Derived::disallowed));  // Exceptions
  BOOST_TEST((precis_property(0x00B7) == Derived::contexto));
  BOOST_TEST((precis_property(0x0661) == Derived::contexto));
  BOOST_TEST((precis_property(0x200D) == Derived::contextj));    // JoinControl
  BOOST_TEST((precis_property(0x1100) == Derived::disallowed));  // OldHangulJamo
  BOOST_TEST((precis_property(0x00AD) == Derived::disallowed));  // Default_Ignorable
  BOOST_TEST((precis_property(0xFDD0) == Derived::disallowed));  // Noncharacter
  BOOST_TEST((precis_property(0x0085) == Derived::disallowed));  // Controls
  BOOST_TEST((precis_property(0x2163) == Derived::free_pval));   // HasCompat
  BOOST_TEST((precis_property(0x01C5) == Derived::free_pval));   // Lt
  BOOST_TEST((precis_property(0x265A) == Derived::free_pval));   // Symbols
  BOOST_TEST((precis_property(0x00BF) == Derived::free_pval));   // Punctuation
  BOOST_TEST((precis_property(0xE000) == Derived::disallowed));  // private use
  BOOST_TEST((precis_property(0x0378) == Derived::unassigned));
}

BOOST_AUTO_TEST_CASE(rfc5892_3_idna2008_derived_property_examples) {
  BOOST_TEST((idna2008_property(U'a') == Derived::pvalid));
  BOOST_TEST((idna2008_property(U'-') == Derived::pvalid));      // LDH
  BOOST_TEST((idna2008_property(U'A') == Derived::disallowed));  // Unstable
  BOOST_TEST((idna2008_property(U'_') == Derived::disallowed));
  BOOST_TEST((idna2008_property(0x00DF) == Derived::pvalid));
  BOOST_TEST((idna2008_property(0x00F6) == Derived::pvalid));
  BOOST_TEST((idna2008_property(0x2665) == Derived::disallowed));
  BOOST_TEST((idna2008_property(0x00A0) == Derived::disallowed));  // Unstable (NFKC)
  BOOST_TEST((idna2008_property(0x3000) == Derived::disallowed));
  BOOST_TEST((idna2008_property(0x20D0) == Derived::disallowed));   // IgnorableBlocks
  BOOST_TEST((idna2008_property(0x1D165) == Derived::disallowed));  // IgnorableBlocks
  BOOST_TEST((idna2008_property(0x1100) == Derived::disallowed));   // OldHangulJamo
  BOOST_TEST((idna2008_property(0x200C) == Derived::contextj));
  BOOST_TEST((idna2008_property(0x30FB) == Derived::contexto));
}
