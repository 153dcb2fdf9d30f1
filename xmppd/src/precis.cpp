// JID part preparation (RFC 7622 §3.2-3.4; RFC 8264/8265, UTS #46) and SASLprep (RFC 4013) on ICU.
//
// Localparts use the PRECIS profile UsernameCaseMapped and resourceparts OpaqueString
// (RFC 8265 §3.3, §4.2); domainparts go through UTS #46 nontransitional processing and must then
// be IDNA2008 labels (RFC 5892); SASLprep is ICU's stringprep profile.
//
// No Unicode data is copied into this file. Every category of RFC 8264 §9 and RFC 5892 §2 is
// computed from ICU's character properties, so the rules follow the Unicode version of the
// installed ICU (15.0 for ICU 72). The one literal list is the Exceptions category, which
// RFC 5892 §2.6 defines by enumerating code points rather than by properties.
#include "precis.hpp"

#include <arpa/inet.h>
#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/uidna.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>
#include <unicode/usprep.h>
#include <unicode/utf16.h>

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "xmppd/jid.hpp"

namespace xmppd::precis {
namespace {

using U32 = std::u32string;

// RFC 7622 §3.1: every part is at most 1023 octets once prepared.
constexpr std::size_t kMaxPartBytes = 1023;

// ---- UTF-8 --------------------------------------------------------------------------------

// Strict RFC 3629 decoding: overlong forms, surrogates and values above U+10FFFF are errors, so
// two different byte strings never prepare to the same JID part.
std::optional<U32> decode_utf8(std::string_view in) {
  U32 out;
  out.reserve(in.size());
  std::size_t i = 0;
  while (i < in.size()) {
    const auto lead = static_cast<unsigned char>(in[i]);
    if (lead < 0x80) {
      out.push_back(lead);
      ++i;
      continue;
    }
    std::size_t len;
    char32_t cp;
    char32_t min;
    if (lead >= 0xC2 && lead <= 0xDF) {
      len = 2, cp = lead & 0x1F, min = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      len = 3, cp = lead & 0x0F, min = 0x800;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      len = 4, cp = lead & 0x07, min = 0x10000;
    } else {
      return std::nullopt;
    }
    if (in.size() - i < len) return std::nullopt;
    for (std::size_t k = 1; k < len; ++k) {
      const auto trail = static_cast<unsigned char>(in[i + k]);
      if ((trail & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (trail & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
    out.push_back(cp);
    i += len;
  }
  return out;
}

std::string encode_utf8(const U32& s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t cp : s) {
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
  return out;
}

icu::UnicodeString to_icu(const U32& s) {
  return icu::UnicodeString::fromUTF32(reinterpret_cast<const UChar32*>(s.data()),
                                       static_cast<int32_t>(s.size()));
}

U32 from_icu(const icu::UnicodeString& s) {
  U32 out;
  out.reserve(s.length());
  for (int32_t i = 0; i < s.length();) {
    const UChar32 c = s.char32At(i);
    out.push_back(static_cast<char32_t>(c));
    i += U16_LENGTH(c);
  }
  return out;
}

// ---- ICU singletons -----------------------------------------------------------------------
// ICU documents Normalizer2 instances, the UTS #46 object and stringprep profiles as immutable
// and usable from several threads, so each is opened once. Failing to open one means the ICU
// data is missing, which no input can fix.

[[noreturn]] void icu_fatal(const char* what, UErrorCode status) {
  throw std::runtime_error(std::string("ICU: cannot open ") + what + ": " + u_errorName(status));
}

const icu::Normalizer2& nfc() {
  static const icu::Normalizer2* instance = [] {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* n = icu::Normalizer2::getNFCInstance(status);
    if (U_FAILURE(status)) icu_fatal("NFC", status);
    return n;
  }();
  return *instance;
}

const icu::Normalizer2& nfkc() {
  static const icu::Normalizer2* instance = [] {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* n = icu::Normalizer2::getNFKCInstance(status);
    if (U_FAILURE(status)) icu_fatal("NFKC", status);
    return n;
  }();
  return *instance;
}

// ---- Character categories (RFC 8264 §9, RFC 5892 §2) --------------------------------------

std::uint32_t gc_mask(char32_t cp) { return U_MASK(u_charType(static_cast<UChar32>(cp))); }

bool has_property(char32_t cp, UProperty which) {
  return u_hasBinaryProperty(static_cast<UChar32>(cp), which);
}

// RFC 5892 §2.6, by enumeration in the RFC.
std::optional<Derived> exceptions(char32_t cp) {
  switch (cp) {
    case 0x00DF:  // LATIN SMALL LETTER SHARP S
    case 0x03C2:  // GREEK SMALL LETTER FINAL SIGMA
    case 0x06FD:  // ARABIC SIGN SINDHI AMPERSAND
    case 0x06FE:  // ARABIC SIGN SINDHI POSTPOSITION MEN
    case 0x0F0B:  // TIBETAN MARK INTERSYLLABIC TSHEG
    case 0x3007:  // IDEOGRAPHIC NUMBER ZERO
      return Derived::pvalid;
    case 0x00B7:  // MIDDLE DOT
    case 0x0375:  // GREEK LOWER NUMERAL SIGN (KERAIA)
    case 0x05F3:  // HEBREW PUNCTUATION GERESH
    case 0x05F4:  // HEBREW PUNCTUATION GERSHAYIM
    case 0x30FB:  // KATAKANA MIDDLE DOT
      return Derived::contexto;
    case 0x0640:  // ARABIC TATWEEL
    case 0x07FA:  // NKO LAJANYALAN
    case 0x302E:  // HANGUL SINGLE DOT TONE MARK
    case 0x302F:  // HANGUL DOUBLE DOT TONE MARK
    case 0x3031:  // VERTICAL KANA REPEAT MARK
    case 0x3032:  // VERTICAL KANA REPEAT WITH VOICED SOUND MARK
    case 0x3033:  // VERTICAL KANA REPEAT MARK UPPER HALF
    case 0x3034:  // VERTICAL KANA REPEAT WITH VOICED SOUND MARK UPPER HALF
    case 0x3035:  // VERTICAL KANA REPEAT MARK LOWER HALF
    case 0x303B:  // VERTICAL IDEOGRAPHIC ITERATION MARK
      return Derived::disallowed;
    default:
      break;
  }
  // ARABIC-INDIC DIGITs and EXTENDED ARABIC-INDIC DIGITs, CONTEXTO (RFC 5892 §2.6).
  if ((cp >= 0x0660 && cp <= 0x0669) || (cp >= 0x06F0 && cp <= 0x06F9)) return Derived::contexto;
  return std::nullopt;
}

// RFC 8264 §9.7 / RFC 5892 §2.7: BackwardCompatible is empty for every Unicode version so far;
// kept as a named step so a future entry has an obvious home.
std::optional<Derived> backward_compatible(char32_t) { return std::nullopt; }

bool is_noncharacter(char32_t cp) { return has_property(cp, UCHAR_NONCHARACTER_CODE_POINT); }

// Cn but not a noncharacter (RFC 8264 §9.6, RFC 5892 §2.8).
bool is_unassigned(char32_t cp) {
  return u_charType(static_cast<UChar32>(cp)) == U_UNASSIGNED && !is_noncharacter(cp);
}

bool is_join_control(char32_t cp) { return has_property(cp, UCHAR_JOIN_CONTROL); }

// Conjoining jamo: Hangul_Syllable_Type L, V or T (RFC 5892 §2.9).
bool is_old_hangul_jamo(char32_t cp) {
  const auto hst = u_getIntPropertyValue(static_cast<UChar32>(cp), UCHAR_HANGUL_SYLLABLE_TYPE);
  return hst == U_HST_LEADING_JAMO || hst == U_HST_VOWEL_JAMO || hst == U_HST_TRAILING_JAMO;
}

// Ll, Lu, Lo, Nd, Lm, Mn, Mc (RFC 5892 §2.1, RFC 8264 §9.1).
bool is_letter_digit(char32_t cp) {
  return gc_mask(cp) & (U_GC_LL_MASK | U_GC_LU_MASK | U_GC_LO_MASK | U_GC_ND_MASK | U_GC_LM_MASK |
                        U_GC_MN_MASK | U_GC_MC_MASK);
}

// toNFKC(cp) != cp (RFC 8264 §9.17). For one code point this is exactly "not NFKC-normalized".
bool has_compat(char32_t cp) {
  UErrorCode status = U_ZERO_ERROR;
  const bool normalized = nfkc().isNormalized(icu::UnicodeString(static_cast<UChar32>(cp)), status);
  return U_FAILURE(status) || !normalized;
}

// toNFKC(toCaseFold(toNFKC(cp))) != cp (RFC 5892 §2.2), spelled out as the RFC writes it. ICU's
// NFKC_Casefold would also drop default ignorables, which category C disallows anyway.
bool is_unstable(char32_t cp) {
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString original(static_cast<UChar32>(cp));
  icu::UnicodeString s = nfkc().normalize(original, status);
  s.foldCase(U_FOLD_CASE_DEFAULT);
  s = nfkc().normalize(s, status);
  return U_FAILURE(status) || s != original;
}

// Default_Ignorable_Code_Point, White_Space or Noncharacter_Code_Point (RFC 5892 §2.3).
bool is_idna_ignorable_property(char32_t cp) {
  return has_property(cp, UCHAR_DEFAULT_IGNORABLE_CODE_POINT) ||
         has_property(cp, UCHAR_WHITE_SPACE) || is_noncharacter(cp);
}

// RFC 5892 §2.4.
bool is_ignorable_block(char32_t cp) {
  const UBlockCode block = ublock_getCode(static_cast<UChar32>(cp));
  return block == UBLOCK_COMBINING_MARKS_FOR_SYMBOLS || block == UBLOCK_MUSICAL_SYMBOLS ||
         block == UBLOCK_ANCIENT_GREEK_MUSICAL_NOTATION;
}

// Default_Ignorable_Code_Point or Noncharacter_Code_Point (RFC 8264 §9.13).
bool is_precis_ignorable_property(char32_t cp) {
  return has_property(cp, UCHAR_DEFAULT_IGNORABLE_CODE_POINT) || is_noncharacter(cp);
}

UScriptCode script_of(char32_t cp) {
  UErrorCode status = U_ZERO_ERROR;
  const UScriptCode script = uscript_getScript(static_cast<UChar32>(cp), &status);
  return U_FAILURE(status) ? USCRIPT_INVALID_CODE : script;
}

UJoiningType joining_type(char32_t cp) {
  return static_cast<UJoiningType>(
      u_getIntPropertyValue(static_cast<UChar32>(cp), UCHAR_JOINING_TYPE));
}

bool is_virama(char32_t cp) { return u_getCombiningClass(static_cast<UChar32>(cp)) == 9; }

// ---- Contextual rules (RFC 5892 Appendix A) -----------------------------------------------
// The string is the whole prepared part (for PRECIS) or one label (for IDNA2008).

// A.1: the ZWNJ regular expression (Joining_Type:{L,D})(Joining_Type:T)*\u200C
// (Joining_Type:T)*(Joining_Type:{R,D}), checked by scanning outwards over transparent marks.
bool zwnj_joins(const U32& s, std::size_t i) {
  bool left = false;
  for (std::size_t k = i; k-- > 0;) {
    const UJoiningType jt = joining_type(s[k]);
    if (jt == U_JT_TRANSPARENT) continue;
    left = jt == U_JT_LEFT_JOINING || jt == U_JT_DUAL_JOINING;
    break;
  }
  if (!left) return false;
  for (std::size_t k = i + 1; k < s.size(); ++k) {
    const UJoiningType jt = joining_type(s[k]);
    if (jt == U_JT_TRANSPARENT) continue;
    return jt == U_JT_RIGHT_JOINING || jt == U_JT_DUAL_JOINING;
  }
  return false;
}

bool context_allows(const U32& s, std::size_t i) {
  const char32_t cp = s[i];
  const bool has_before = i > 0;
  const bool has_after = i + 1 < s.size();
  const auto contains = [&](char32_t first, char32_t last) {
    return std::any_of(s.begin(), s.end(), [&](char32_t c) { return c >= first && c <= last; });
  };
  switch (cp) {
    case 0x200C:  // A.1 ZERO WIDTH NON-JOINER: after a virama, or inside a cursive join
      return (has_before && is_virama(s[i - 1])) || zwnj_joins(s, i);
    case 0x200D:  // A.2 ZERO WIDTH JOINER: after a virama
      return has_before && is_virama(s[i - 1]);
    case 0x00B7:  // A.3 MIDDLE DOT: the Catalan ela geminada, l·l
      return has_before && has_after && s[i - 1] == 0x006C && s[i + 1] == 0x006C;
    case 0x0375:  // A.4 GREEK KERAIA: followed by Greek
      return has_after && script_of(s[i + 1]) == USCRIPT_GREEK;
    case 0x05F3:  // A.5 HEBREW GERESH and A.6 GERSHAYIM: preceded by Hebrew
    case 0x05F4:
      return has_before && script_of(s[i - 1]) == USCRIPT_HEBREW;
    case 0x30FB:  // A.7 KATAKANA MIDDLE DOT: somewhere a Hiragana, Katakana or Han character
      return std::any_of(s.begin(), s.end(), [](char32_t c) {
        const UScriptCode sc = script_of(c);
        return sc == USCRIPT_HIRAGANA || sc == USCRIPT_KATAKANA || sc == USCRIPT_HAN;
      });
    default:
      break;
  }
  if (cp >= 0x0660 && cp <= 0x0669) return !contains(0x06F0, 0x06F9);  // A.8
  if (cp >= 0x06F0 && cp <= 0x06F9) return !contains(0x0660, 0x0669);  // A.9
  return false;  // CONTEXTJ/CONTEXTO without a rule is not allowed (RFC 8264 §8)
}

// ---- Directionality (RFC 5893 §2) ---------------------------------------------------------

bool has_rtl(const U32& s) {
  return std::any_of(s.begin(), s.end(), [](char32_t c) {
    const UCharDirection d = u_charDirection(static_cast<UChar32>(c));
    return d == U_RIGHT_TO_LEFT || d == U_RIGHT_TO_LEFT_ARABIC || d == U_ARABIC_NUMBER;
  });
}

// The six conditions of the Bidi Rule for one string.
bool bidi_rule_holds(const U32& s) {
  if (s.empty()) return false;
  const auto dir = [&](std::size_t k) { return u_charDirection(static_cast<UChar32>(s[k])); };
  const UCharDirection first = dir(0);
  const bool rtl = first == U_RIGHT_TO_LEFT || first == U_RIGHT_TO_LEFT_ARABIC;
  if (!rtl && first != U_LEFT_TO_RIGHT) return false;  // condition 1
  // Conditions 3 and 6 look at the last character that is not NSM.
  std::size_t end = s.size();
  while (end > 0 && dir(end - 1) == U_DIR_NON_SPACING_MARK) --end;
  if (end == 0) return false;
  const UCharDirection last = dir(end - 1);
  if (rtl) {
    if (last != U_RIGHT_TO_LEFT && last != U_RIGHT_TO_LEFT_ARABIC && last != U_EUROPEAN_NUMBER &&
        last != U_ARABIC_NUMBER)
      return false;
  } else if (last != U_LEFT_TO_RIGHT && last != U_EUROPEAN_NUMBER) {
    return false;
  }
  bool seen_en = false, seen_an = false;
  for (std::size_t k = 0; k < s.size(); ++k) {
    switch (dir(k)) {
      case U_EUROPEAN_NUMBER:
        seen_en = true;
        break;
      case U_ARABIC_NUMBER:
        if (!rtl) return false;  // condition 5
        seen_an = true;
        break;
      case U_EUROPEAN_NUMBER_SEPARATOR:
      case U_COMMON_NUMBER_SEPARATOR:
      case U_EUROPEAN_NUMBER_TERMINATOR:
      case U_OTHER_NEUTRAL:
      case U_BOUNDARY_NEUTRAL:
      case U_DIR_NON_SPACING_MARK:
        break;
      case U_LEFT_TO_RIGHT:
        if (rtl) return false;  // condition 2
        break;
      case U_RIGHT_TO_LEFT:
      case U_RIGHT_TO_LEFT_ARABIC:
        if (!rtl) return false;  // condition 5
        break;
      default:
        return false;  // B, S, WS, embeddings, isolates: allowed in neither direction
    }
  }
  return !(rtl && seen_en && seen_an);  // condition 4
}

// ---- PRECIS profiles (RFC 8264 §7, RFC 8265) ----------------------------------------------

enum class Profile { username_case_mapped, opaque_string };

// RFC 8265 §3.3.1 width mapping: fullwidth and halfwidth characters (decomposition types
// <wide> and <narrow>) become their decomposition mapping, which is one code point. Some
// libraries (precis_i18n) take NFKC instead, which goes further for the halfwidth Hangul
// letters: U+FFA1 is <narrow> U+3131, a compatibility jamo that NFKC turns into the conjoining
// U+1100, so a halfwidth jamo sequence would compose into a syllable. The RFC's wording is kept:
// such a sequence stays a run of compatibility jamo and is refused.
void map_width(U32& s) {
  for (char32_t& cp : s) {
    const auto type = u_getIntPropertyValue(static_cast<UChar32>(cp), UCHAR_DECOMPOSITION_TYPE);
    if (type != U_DT_WIDE && type != U_DT_NARROW) continue;
    icu::UnicodeString mapping;
    if (nfkc().getRawDecomposition(static_cast<UChar32>(cp), mapping) && mapping.countChar32() == 1)
      cp = static_cast<char32_t>(mapping.char32At(0));
  }
}

// RFC 8265 §4.2.1 additional mapping: non-ASCII spaces (Zs other than U+0020) become U+0020.
void map_spaces(U32& s) {
  for (char32_t& cp : s)
    if (cp != 0x20 && u_charType(static_cast<UChar32>(cp)) == U_SPACE_SEPARATOR) cp = 0x20;
}

// The mapping rules of RFC 8264 §7 in their order: width, additional, case, normalization.
U32 apply_mappings(Profile profile, U32 s) {
  if (profile == Profile::username_case_mapped) map_width(s);
  if (profile == Profile::opaque_string) map_spaces(s);
  icu::UnicodeString u = to_icu(s);
  // RFC 8265 §3.3.1 asks for Unicode toLowerCase(), the full context-sensitive mapping (final
  // sigma, U+0130), which the root locale gives; not case folding, which would map ß to ss.
  if (profile == Profile::username_case_mapped) u.toLower(icu::Locale::getRoot());
  UErrorCode status = U_ZERO_ERROR;
  u = nfc().normalize(u, status);
  if (U_FAILURE(status)) return {};
  return from_icu(u);
}

std::optional<U32> prepare(Profile profile, std::string_view in) {
  const auto decoded = decode_utf8(in);
  if (!decoded) return std::nullopt;
  U32 s = apply_mappings(profile, *decoded);
  // A prepared part is stored and compared as is, so preparing it again must not change it; a
  // string for which the rules are not idempotent is refused (precis_i18n does the same).
  if (apply_mappings(profile, s) != s) return std::nullopt;
  if (s.empty()) return std::nullopt;  // RFC 7622 §3.1: no part is zero octets
  // Directionality rule of UsernameCaseMapped (RFC 8265 §3.3.1). The Bidi Rule constrains
  // strings with right-to-left characters; applied to every string it would refuse plain
  // usernames such as "1st" (condition 1), so it applies only when there is one.
  if (profile == Profile::username_case_mapped && has_rtl(s) && !bidi_rule_holds(s))
    return std::nullopt;
  // The string class (RFC 8264 §4.2 IdentifierClass, §4.3 FreeformClass).
  for (std::size_t i = 0; i < s.size(); ++i) {
    switch (precis_property(s[i])) {
      case Derived::pvalid:
        continue;
      case Derived::free_pval:
        if (profile == Profile::opaque_string) continue;
        return std::nullopt;
      case Derived::contextj:
      case Derived::contexto:
        if (context_allows(s, i)) continue;
        return std::nullopt;
      case Derived::disallowed:
      case Derived::unassigned:
        return std::nullopt;
    }
  }
  return s;
}

std::optional<std::string> finish(const U32& s) {
  std::string out = encode_utf8(s);
  if (out.size() > kMaxPartBytes) return std::nullopt;
  return out;
}

// ---- Domainparts (RFC 7622 §3.2) ----------------------------------------------------------

// RFC 3986 IP-literal (IPv6 only; IPvFuture has no use here) and IPv4address. Returns the
// canonical text (RFC 5952 for IPv6) so that equal addresses are equal JIDs; nullopt with
// `is_literal` set means it looked like an address but is not one.
std::optional<std::string> prepare_ip_literal(std::string_view text, bool& is_literal) {
  is_literal = false;
  char buf[INET6_ADDRSTRLEN];
  if (text.front() == '[') {
    is_literal = true;
    if (text.size() < 3 || text.back() != ']') return std::nullopt;
    const std::string inner(text.substr(1, text.size() - 2));
    in6_addr addr{};
    if (inet_pton(AF_INET6, inner.c_str(), &addr) != 1) return std::nullopt;
    if (!inet_ntop(AF_INET6, &addr, buf, sizeof buf)) return std::nullopt;
    return "[" + std::string(buf) + "]";
  }
  if (!std::all_of(text.begin(), text.end(),
                   [](char c) { return c == '.' || (c >= '0' && c <= '9'); }))
    return std::nullopt;
  // All digits and dots. No host name has an all-numeric top-level label (RFC 3696 §2), so
  // anything that is not a dotted quad ("127.1", "1.2.3.256") is refused rather than becoming a
  // name that some resolvers would read as an address.
  is_literal = true;
  const std::string copy(text);
  in_addr addr{};
  if (inet_pton(AF_INET, copy.c_str(), &addr) != 1) return std::nullopt;  // glibc: no leading 0s
  if (!inet_ntop(AF_INET, &addr, buf, sizeof buf)) return std::nullopt;
  return std::string(buf);
}

// Options for UTS #46: nontransitional (ß and ς stay, as IDNA2008 has them), with the Bidi and
// contextual rules of IDNA2008, and STD3 rules because RFC 7622 §3.2.1 allows only NR-LDH
// labels and U-labels (RFC 5890), i.e. letters, digits and hyphens in ASCII.
constexpr uint32_t kUts46Options =
    UIDNA_NONTRANSITIONAL_TO_UNICODE | UIDNA_NONTRANSITIONAL_TO_ASCII | UIDNA_CHECK_BIDI |
    UIDNA_CHECK_CONTEXTJ | UIDNA_CHECK_CONTEXTO | UIDNA_USE_STD3_RULES;

const UIDNA* uts46() {
  static const UIDNA* instance = [] {
    UErrorCode status = U_ZERO_ERROR;
    UIDNA* idna = uidna_openUTS46(kUts46Options, &status);
    if (U_FAILURE(status)) icu_fatal("UTS #46", status);
    return idna;
  }();
  return instance;
}

using IdnaFunction = int32_t (*)(const UIDNA*, const UChar*, int32_t, UChar*, int32_t, UIDNAInfo*,
                                 UErrorCode*);

// Runs one UTS #46 operation; nullopt only on an ICU failure, IDNA errors come back in `errors`.
std::optional<icu::UnicodeString> run_idna(IdnaFunction fn, const icu::UnicodeString& in,
                                           uint32_t& errors) {
  std::vector<UChar> out(static_cast<std::size_t>(in.length()) * 2 + 16);
  for (int attempt = 0; attempt < 2; ++attempt) {
    UErrorCode status = U_ZERO_ERROR;
    UIDNAInfo info = UIDNA_INFO_INITIALIZER;
    const int32_t len = fn(uts46(), in.getBuffer(), in.length(), out.data(),
                           static_cast<int32_t>(out.size()), &info, &status);
    if (status == U_BUFFER_OVERFLOW_ERROR) {
      out.resize(static_cast<std::size_t>(len));
      continue;
    }
    if (U_FAILURE(status)) return std::nullopt;
    errors = info.errors;
    return icu::UnicodeString(out.data(), len);
  }
  return std::nullopt;
}

// RFC 7622 §3.2.1: every non-ASCII label must be a U-label, i.e. consist of code points that
// IDNA2008 allows. UTS #46 alone would also let through symbols it marks NV8 (valid in IDNA2003
// only), such as U+2665 BLACK HEART SUIT.
bool is_idna2008_label(const U32& label) {
  for (std::size_t i = 0; i < label.size(); ++i) {
    switch (idna2008_property(label[i])) {
      case Derived::pvalid:
        continue;
      case Derived::contextj:
      case Derived::contexto:
        if (context_allows(label, i)) continue;
        return false;
      default:
        return false;
    }
  }
  return true;
}

// ---- SASLprep -----------------------------------------------------------------------------

UStringPrepProfile* saslprep_profile() {
  static UStringPrepProfile* instance = [] {
    UErrorCode status = U_ZERO_ERROR;
    UStringPrepProfile* p = usprep_openByType(USPREP_RFC4013_SASLPREP, &status);
    if (U_FAILURE(status)) icu_fatal("SASLprep", status);
    return p;
  }();
  return instance;
}

}  // namespace

// ---- Derived properties --------------------------------------------------------------------

Derived precis_property(char32_t cp) {
  // RFC 8264 §8, in the order given there. Unlike RFC 5892 §3 it does not consult Unstable,
  // IgnorableProperties, IgnorableBlocks or LDH; compatibility characters are caught by
  // HasCompat instead.
  if (auto e = exceptions(cp)) return *e;
  if (auto b = backward_compatible(cp)) return *b;
  if (is_unassigned(cp)) return Derived::unassigned;
  if (cp >= 0x21 && cp <= 0x7E) return Derived::pvalid;  // ASCII7
  if (is_join_control(cp)) return Derived::contextj;
  if (is_old_hangul_jamo(cp)) return Derived::disallowed;
  if (is_precis_ignorable_property(cp)) return Derived::disallowed;
  if (gc_mask(cp) & U_GC_CC_MASK) return Derived::disallowed;  // Controls
  if (has_compat(cp)) return Derived::free_pval;
  if (is_letter_digit(cp)) return Derived::pvalid;
  // OtherLetterDigits (Lt, Nl, No, Me), Spaces (Zs), Symbols (Sm, Sc, Sk, So), Punctuation (P*).
  constexpr std::uint32_t kFreeformOnly = U_GC_LT_MASK | U_GC_NL_MASK | U_GC_NO_MASK |
                                          U_GC_ME_MASK | U_GC_ZS_MASK | U_GC_S_MASK | U_GC_P_MASK;
  if (gc_mask(cp) & kFreeformOnly) return Derived::free_pval;
  return Derived::disallowed;
}

Derived idna2008_property(char32_t cp) {
  // RFC 5892 §3, in the order given there.
  if (auto e = exceptions(cp)) return *e;
  if (auto b = backward_compatible(cp)) return *b;
  if (is_unassigned(cp)) return Derived::unassigned;
  if (cp == '-' || (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z')) return Derived::pvalid;
  if (is_join_control(cp)) return Derived::contextj;
  if (is_unstable(cp)) return Derived::disallowed;
  if (is_idna_ignorable_property(cp)) return Derived::disallowed;
  if (is_ignorable_block(cp)) return Derived::disallowed;
  if (is_old_hangul_jamo(cp)) return Derived::disallowed;
  if (is_letter_digit(cp)) return Derived::pvalid;
  return Derived::disallowed;
}

std::string_view derived_name(Derived d) {
  switch (d) {
    case Derived::pvalid:
      return "PVALID";
    case Derived::free_pval:
      return "FREE_PVAL";
    case Derived::contextj:
      return "CONTEXTJ";
    case Derived::contexto:
      return "CONTEXTO";
    case Derived::disallowed:
      return "DISALLOWED";
    case Derived::unassigned:
      return "UNASSIGNED";
  }
  return "?";
}

// ---- ASCII fast paths -----------------------------------------------------------------------
// Nearly every JID on the routing path is ASCII (u12@localhost/phone), and the ICU path costs
// UTF-32 conversions and normalisation each time (a third of the CPU per routed message). For
// ASCII the PRECIS rules reduce to character ranges: every printable ASCII character is PVALID
// in IdentifierClass (RFC 8264 §9.11 ASCII7) and FreeformClass, width and normalisation leave
// ASCII unchanged, and UsernameCaseMapped lowercases. The oracle test covers these paths too.
namespace {

std::optional<std::string> ascii_localpart(std::string_view in) {
  if (in.empty() || in.size() > kMaxPartBytes) return std::nullopt;
  std::string out(in);
  for (char& c : out) {
    if (c < 0x21 || c > 0x7e) return std::nullopt;  // space, controls, non-ASCII: slow path
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  }
  return out;
}

bool ascii_resourcepart(std::string_view in) {
  if (in.empty() || in.size() > kMaxPartBytes) return false;
  return std::all_of(in.begin(), in.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

// Letters, digits and hyphens in labels of 1-63 octets, not starting or ending with '-', no
// "--" in positions 3-4 (that includes A-labels "xn--", which need conversion), not all digits
// and dots (IP literal rules). Anything else goes through UTS #46.
std::optional<std::string> ascii_domainpart(std::string_view in) {
  if (!in.empty() && in.back() == '.') in.remove_suffix(1);
  if (in.empty() || in.size() > kMaxPartBytes) return std::nullopt;
  bool has_letter = false;
  std::string out(in);
  std::size_t label_start = 0;
  for (std::size_t i = 0; i <= out.size(); ++i) {
    if (i == out.size() || out[i] == '.') {
      std::size_t len = i - label_start;
      if (len == 0 || len > 63) return std::nullopt;
      if (out[label_start] == '-' || out[i - 1] == '-') return std::nullopt;
      if (len >= 4 && out[label_start + 2] == '-' && out[label_start + 3] == '-') return std::nullopt;
      label_start = i + 1;
      continue;
    }
    char& c = out[i];
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    if (c >= 'a' && c <= 'z') has_letter = true;
    else if (!(c >= '0' && c <= '9') && c != '-') return std::nullopt;
  }
  if (!has_letter) return std::nullopt;
  return out;
}
}  // namespace

// ---- Public entry points -------------------------------------------------------------------

std::optional<std::string> prepare_localpart(std::string_view in) {
  if (auto fast = ascii_localpart(in)) {
    // RFC 7622 §3.3.1: allowed by UsernameCaseMapped but not in a localpart.
    if (fast->find_first_of("\"&'/:<>@") != std::string::npos) return std::nullopt;
    return fast;
  }
  const auto prepared = prepare(Profile::username_case_mapped, in);
  if (!prepared) return std::nullopt;
  // RFC 7622 §3.3.1: allowed by UsernameCaseMapped but not in a localpart. Checked after
  // preparation so that e.g. FULLWIDTH COMMERCIAL AT, which width mapping turns into '@', is
  // caught too.
  constexpr std::u32string_view kForbidden = U"\"&'/:<>@";
  if (prepared->find_first_of(kForbidden) != U32::npos) return std::nullopt;
  return finish(*prepared);
}

std::optional<std::string> prepare_resourcepart(std::string_view in) {
  if (ascii_resourcepart(in)) return std::string(in);
  const auto prepared = prepare(Profile::opaque_string, in);
  if (!prepared) return std::nullopt;
  return finish(*prepared);
}

std::optional<std::string> prepare_domainpart(std::string_view in) {
  if (auto fast = ascii_domainpart(in)) return fast;
  const auto decoded = decode_utf8(in);
  if (!decoded) return std::nullopt;
  // RFC 7622 §3.2: a final label separator is stripped before anything else.
  std::string_view text = in;
  U32 name = *decoded;
  const bool stripped_dot = !text.empty() && text.back() == '.';
  if (stripped_dot) {
    text.remove_suffix(1);
    name.pop_back();
  }
  if (text.empty()) return std::nullopt;

  bool is_literal = false;
  if (auto ip = prepare_ip_literal(text, is_literal); ip || is_literal) return ip;

  uint32_t errors = 0;
  const auto unicode = run_idna(uidna_nameToUnicode, to_icu(name), errors);
  if (!unicode || errors != 0) return std::nullopt;
  U32 out = from_icu(*unicode);
  // UTS #46 maps IDEOGRAPHIC FULL STOP and its kin to '.', so a final separator may show only
  // now; a second one means an empty label.
  if (!out.empty() && out.back() == U'.') {
    if (stripped_dot) return std::nullopt;
    out.pop_back();
  }
  if (out.empty()) return std::nullopt;

  for (std::size_t start = 0; start <= out.size();) {
    std::size_t dot = out.find(U'.', start);
    if (dot == U32::npos) dot = out.size();
    const U32 label = out.substr(start, dot - start);
    const bool ascii = std::all_of(label.begin(), label.end(), [](char32_t c) { return c < 0x80; });
    if (!ascii && !is_idna2008_label(label)) return std::nullopt;
    start = dot + 1;
  }

  // Label lengths are limits of the A-label form (RFC 5890 §2.3.2.1: 63 octets). The DNS limit
  // on the whole name (253) is not XMPP's: RFC 7622 §3.1 allows 1023 octets.
  uint32_t ascii_errors = 0;
  if (!run_idna(uidna_nameToASCII, to_icu(out), ascii_errors)) return std::nullopt;
  if ((ascii_errors & ~static_cast<uint32_t>(UIDNA_ERROR_DOMAIN_NAME_TOO_LONG)) != 0)
    return std::nullopt;
  return finish(out);
}

// RFC 4013 as a "stored string" (RFC 3454 §7: unassigned code points refused), which is what
// RFC 5802 §2.2 asks of SCRAM passwords. The result may be empty; the caller decides whether
// an empty secret is acceptable.
std::optional<std::string> saslprep(std::string_view in) {
  const auto decoded = decode_utf8(in);
  if (!decoded) return std::nullopt;
  const icu::UnicodeString src = to_icu(*decoded);
  std::vector<UChar> out(static_cast<std::size_t>(src.length()) * 2 + 16);
  for (int attempt = 0; attempt < 2; ++attempt) {
    UErrorCode status = U_ZERO_ERROR;
    UParseError parse_error;
    const int32_t len =
        usprep_prepare(saslprep_profile(), src.getBuffer(), src.length(), out.data(),
                       static_cast<int32_t>(out.size()), USPREP_DEFAULT, &parse_error, &status);
    if (status == U_BUFFER_OVERFLOW_ERROR) {
      out.resize(static_cast<std::size_t>(len));
      continue;
    }
    if (U_FAILURE(status)) return std::nullopt;
    return encode_utf8(from_icu(icu::UnicodeString(out.data(), len)));
  }
  return std::nullopt;
}

}  // namespace xmppd::precis
