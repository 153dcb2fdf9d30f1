// Search folding on ICU's Transliterator (issue 5): Any-Latin; Latin-ASCII; Lower.
#include "xmppd/fold.hpp"

#include <memory>
#include <mutex>
#include <stdexcept>

#include <unicode/translit.h>
#include <unicode/unistr.h>

namespace xmppd {
namespace {

constexpr char kRules[] = "Any-Latin; Latin-ASCII; Lower";

// Creating a compound transliterator parses its rules (milliseconds); cloning one is cheap.
// The prototype is never used to transliterate, only cloned, under a lock.
std::unique_ptr<icu::Transliterator> make_transliterator() {
  static std::mutex mutex;
  static std::unique_ptr<icu::Transliterator> prototype;
  std::lock_guard lock(mutex);
  if (!prototype) {
    UErrorCode status = U_ZERO_ERROR;
    prototype.reset(icu::Transliterator::createInstance(kRules, UTRANS_FORWARD, status));
    if (U_FAILURE(status) || !prototype)
      throw std::runtime_error(std::string("fold: cannot create the ICU transliterator '") + kRules +
                               "': " + u_errorName(status));
  }
  return std::unique_ptr<icu::Transliterator>(prototype->clone());
}

// Pure ASCII (most chat text, every id and address) folds to its lower case: what the
// transliterator gives for it, at a hundredth of the cost (fold_test checks they agree).
bool ascii_only(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

}  // namespace

std::string fold_for_search(std::string_view utf8) {
  if (ascii_only(utf8)) {
    std::string out(utf8);
    for (char& c : out)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
  }
  // One per thread: a Transliterator keeps state while it runs.
  thread_local std::unique_ptr<icu::Transliterator> transliterator = make_transliterator();
  icu::UnicodeString text = icu::UnicodeString::fromUTF8(
      icu::StringPiece(utf8.data(), static_cast<std::int32_t>(utf8.size())));
  transliterator->transliterate(text);
  std::string out;
  text.toUTF8String(out);
  return out;
}

}  // namespace xmppd
