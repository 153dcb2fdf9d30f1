// Dumps xmppd's PRECIS results (RFC 7622 §3.3-3.4) for every code point, for precis_oracle.py.
//
// precis_oracle.py compares them with precis_i18n. Besides single code points it prints a set of
// strings where more than one code point matters.
//
// Output, one record per line, fields separated by tabs; code point sequences are hex numbers
// separated by spaces, "-" where preparation refused the input:
//   V  <Unicode version of ICU>
//   C  <code point>  <age>  <RFC 8264 derived property>  <RFC 5892 derived property>
//      <prepare_localpart>  <prepare_resourcepart>
//   S  <input>  <prepare_localpart>  <prepare_resourcepart>
// Surrogates are skipped: they cannot be encoded in UTF-8.
#include <unicode/uchar.h>
#include <unicode/uversion.h>

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "precis.hpp"
#include "xmppd/jid.hpp"

namespace {

using xmppd::precis::prepare_localpart;
using xmppd::precis::prepare_resourcepart;

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string utf8(const std::u32string& s) {
  std::string out;
  for (char32_t cp : s) append_utf8(out, cp);
  return out;
}

// Hex code points of a UTF-8 string that the library produced (so it is well formed).
std::string hex_of_utf8(std::string_view s) {
  std::string out;
  char buf[16];
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const std::size_t len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    char32_t cp = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
    for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (s[i + k] & 0x3F);
    std::snprintf(buf, sizeof buf, "%s%X", out.empty() ? "" : " ", static_cast<unsigned>(cp));
    out += buf;
    i += len;
  }
  return out;
}

std::string hex(const std::u32string& s) { return hex_of_utf8(utf8(s)); }

std::string result(const std::optional<std::string>& r) { return r ? hex_of_utf8(*r) : "-"; }

// Strings whose preparation depends on more than one code point: case mapping in context,
// composition, the contextual rules of RFC 5892 Appendix A and the Bidi Rule.
const std::vector<std::u32string> kHandPicked = {
    U"Zażółć",
    U"ZAŻÓŁĆ",
    U"gęślą",
    U"JAŹŃ",
    U"Straße",
    U"STRASSE",
    U"ẞ",
    U"İstanbul",
    U"ΟΔΥΣΣΕΥΣ",
    U"ΣΑΣ",
    U"Σ",
    U"aΣ",
    U"Σa",
    U"ΑΣ\u0301",
    U"ΑΣ\u0301Α",
    U"ΌΣΟΣ",
    U"ǅungla",
    U"ǄUNGLA",
    U"\u212Aelvin",
    U"\u212B",
    U"A\u030A",
    U"e\u0301",
    U"\u1E9B\u0323",
    U"\uFB03",
    U"\u2163",
    U"henry\u2163",
    U"\u0130",
    U"I\u0307",
    U"ＡＢＣ",
    U"Ｊｕｌｉｅｔ",
    U"\uFF76\uFF9E",
    U"\uFF76",
    U"\uFF20",
    U"a\uFF20b",
    U"\uFF0F",
    U"\uFFA1\uFFBF",
    U"\u3131\u314F",
    U"\u1100\u1161",
    U"\u1100\u1161\u11A8",
    U"\uAC00\u11A8",
    U"l\u00B7l",
    U"a\u00B7l",
    U"l\u00B7",
    U"\u00B7l",
    U"L\u00B7L",
    U"\u0375\u03B1",
    U"\u0375a",
    U"\u0375",
    U"\u03B1\u0375",
    U"\u05D0\u05F3",
    U"a\u05F3",
    U"\u05F3",
    U"\u05D0\u05F4\u05D1",
    U"\u30A2\u30FB\u30A2",
    U"\u30FB",
    U"a\u30FB",
    U"\u3042\u30FB",
    U"\u4E00\u30FB",
    U"\u0660\u0661",
    U"\u06F0\u06F1",
    U"\u0660\u06F0",
    U"\u0628\u0660",
    U"\u0628\u06F0\u0660",
    U"\u0628\u200C\u0628",
    U"\u0628\u200C\u0627",
    U"\u0627\u200C\u0628",
    U"\u0628\u064B\u200C\u064B\u0628",
    U"\u200C",
    U"a\u200Cb",
    U"\u0915\u094D\u200C\u0937",
    U"\u0915\u094D\u200D\u0937",
    U"\u0915\u200D\u0937",
    U"\u200D",
    U"a\u200D",
    U"\u05D0\u05D1",
    U"\u05D0a",
    U"a\u05D0",
    U"1\u05D0",
    U"\u05D01",
    U"\u05D0\u0661",
    U"\u0627\u0661",
    U"\u0627\u0661\u0031",
    U"\u0627\u0031",
    U"\u05D0\u0301",
    U"\u0301\u05D0",
    U"\u05D0-\u05D1",
    U"\u05D0.",
    U"1a",
    U"1",
    U"a1",
    U"\u0661",
    U"\u0628\u0661",
    U"foo bar",
    U" foo",
    U"foo ",
    U"a\u00A0b",
    U"a\u3000b",
    U"a\u2003b",
    U"\u00A0",
    U"a\tb",
    U"juliet",
    U"\u265A",
    U"king\u265A",
    U"\u03C0",
    U"\u03C2",
    U"\u03C3",
    U"\u0345",
    U"a\u0345",
    U"\u0399\u0345",
    U"\u1F88",
    U"\u1FBC",
    U"\u0390",
    U"\u1E9E",
    U"\u00C5\u0301",
    U"\u0041\u0308\u0304",
    U"\u01D5",
    U"\u0958",
    U"\u0915\u093C",
    U"\u0F73",
    U"\u0F77",
    U"\u2126",
    U"\u03A9",
    U"\u1E9Ba",
    U"\u0069\u0307\u0301",
    U"\u00DF\u0301",
    U"\u0149",
    U"\u01F0",
    U"\u1E96",
    U"\uFB00",
    U"\u0587",
};

// Code points the pseudo-random strings are drawn from: scripts and marks where context,
// case mapping, composition or direction matter.
std::vector<char32_t> random_pool() {
  std::vector<char32_t> pool;
  const auto range = [&](char32_t a, char32_t b) {
    for (char32_t c = a; c <= b; ++c) pool.push_back(c);
  };
  range(U'A', U'Z'), range(U'a', U'e'), range(U'0', U'2');
  pool.insert(pool.end(), {U' ',   U'.',   U'-',   U'l',   U'@',   U'/',   0x00B7, 0x00DF, 0x00C5,
                           0x0130, 0x0131, 0x0345, 0x0375, 0x03A3, 0x03C2, 0x03C3, 0x05F3, 0x05F4,
                           0x200C, 0x200D, 0x30FB, 0x3000, 0x00A0, 0x2163, 0x212A, 0x212B});
  range(0x0300, 0x0310), range(0x0391, 0x03A9), range(0x05D0, 0x05D5), range(0x05B0, 0x05B4);
  range(0x0620, 0x0630), range(0x064B, 0x0650), range(0x0660, 0x0663), range(0x06F0, 0x06F3);
  range(0x0915, 0x0918), range(0x093C, 0x094D), range(0x1100, 0x1103), range(0x1161, 0x1164);
  range(0x11A8, 0x11AB), range(0xAC00, 0xAC03), range(0x3041, 0x3044), range(0x30A1, 0x30A4);
  range(0x4E00, 0x4E02), range(0xFF21, 0xFF24), range(0xFF41, 0xFF44), range(0xFF76, 0xFF78);
  range(0xFF9E, 0xFF9F), range(0xFFA1, 0xFFA3), range(0xFFBF, 0xFFC2), range(0x1F88, 0x1F8B);
  range(0x01C4, 0x01CC), range(0x0710, 0x0714), range(0x0730, 0x0733), range(0x1E900, 0x1E903);
  return pool;
}

void emit_string(std::string& out, const std::u32string& s) {
  const std::string in = utf8(s);
  out += "S\t" + hex(s) + "\t" + result(prepare_localpart(in)) + "\t" +
         result(prepare_resourcepart(in)) + "\n";
}

}  // namespace

int main() {
  std::string out;
  out.reserve(1 << 20);
  const auto flush = [&] {
    std::fwrite(out.data(), 1, out.size(), stdout);
    out.clear();
  };

  UVersionInfo unicode;
  u_getUnicodeVersion(unicode);
  char version[U_MAX_VERSION_STRING_LENGTH];
  u_versionToString(unicode, version);
  out += std::string("V\t") + version + "\n";

  for (char32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    UVersionInfo age;
    u_charAge(static_cast<UChar32>(cp), age);
    char age_text[U_MAX_VERSION_STRING_LENGTH];
    u_versionToString(age, age_text);
    const std::string in = utf8(std::u32string(1, cp));
    char head[32];
    std::snprintf(head, sizeof head, "C\t%X\t", static_cast<unsigned>(cp));
    out += head;
    out += age_text;
    out += '\t';
    out += xmppd::precis::derived_name(xmppd::precis::precis_property(cp));
    out += '\t';
    out += xmppd::precis::derived_name(xmppd::precis::idna2008_property(cp));
    out += '\t' + result(prepare_localpart(in)) + '\t' + result(prepare_resourcepart(in)) + '\n';
    if (out.size() > (1 << 20) - 256) flush();
  }

  for (const auto& s : kHandPicked) emit_string(out, s);
  // Every BMP code point after a capital letter and after a Hebrew letter: composition with
  // a base, case mapping in context, combining marks and the Bidi Rule.
  for (char32_t base : {U'A', U'\u05D0'}) {
    for (char32_t cp = 1; cp <= 0xFFFF; ++cp) {
      if (cp >= 0xD800 && cp <= 0xDFFF) continue;
      emit_string(out, std::u32string{base, cp});
      if (out.size() > (1 << 20) - 256) flush();
    }
  }
  // Pseudo-random strings of 2 to 6 code points from the pool, with a fixed seed so a
  // mismatch can be reproduced.
  const std::vector<char32_t> pool = random_pool();
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  const auto next = [&] {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    return state;
  };
  for (int n = 0; n < 100000; ++n) {
    std::u32string s(2 + next() % 5, U'\0');
    for (char32_t& c : s) c = pool[next() % pool.size()];
    emit_string(out, s);
    if (out.size() > (1 << 20) - 256) flush();
  }
  flush();
  return std::fflush(stdout) == 0 ? 0 : 1;
}
