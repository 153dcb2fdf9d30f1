// A minimal streaming scanner for an XMPP stream (RFC 6120 §4): it cuts the byte stream into the
// stream header and the top-level elements, and reads attributes and texts from them. It trusts
// the server to send well-formed XML (the servers under test are the well-behaved side).
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace loadgen {

class StreamScanner {
 public:
  enum class Event { none, stream_open, element, stream_close };

  void reset() {
    data_.clear();
    scan_ = 0;
    depth_ = 0;
    elem_start_ = 0;
  }
  void feed(const char* p, std::size_t n) {
    compact();
    data_.append(p, n);
  }

  // The next complete event; `element` stays valid until the next call to next() or feed().
  Event next(std::string_view& element) {
    while (true) {
      std::size_t lt = data_.find('<', scan_);
      if (lt == std::string::npos) {
        if (depth_ < 2) scan_ = data_.size();  // text between top-level elements (whitespace)
        return Event::none;
      }
      std::size_t gt = tag_end(lt);
      if (gt == std::string::npos) {
        scan_ = lt;
        return Event::none;
      }
      scan_ = gt + 1;
      char c1 = lt + 1 < data_.size() ? data_[lt + 1] : 0;
      if (c1 == '?' || c1 == '!') continue;  // XML declaration, comment
      if (c1 == '/') {
        --depth_;
        if (depth_ == 0) return Event::stream_close;
        if (depth_ == 1) {
          element = std::string_view(data_).substr(elem_start_, scan_ - elem_start_);
          return Event::element;
        }
        continue;
      }
      bool empty = data_[gt - 1] == '/';
      if (depth_ == 0) {
        depth_ = 1;
        element = std::string_view(data_).substr(lt, scan_ - lt);
        return Event::stream_open;
      }
      if (depth_ == 1) {
        elem_start_ = lt;
        if (empty) {
          element = std::string_view(data_).substr(lt, scan_ - lt);
          return Event::element;
        }
      }
      if (!empty) ++depth_;
    }
  }

 private:
  std::size_t tag_end(std::size_t lt) const {
    char quote = 0;
    for (std::size_t i = lt + 1; i < data_.size(); ++i) {
      char c = data_[i];
      if (quote) {
        if (c == quote) quote = 0;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '>') {
        return i;
      }
    }
    return std::string::npos;
  }
  // Drops what the caller has consumed (it calls feed() only after next() returned none).
  void compact() {
    std::size_t keep = depth_ >= 2 ? elem_start_ : scan_;
    if (keep == 0) return;
    if (keep >= data_.size()) {
      data_.clear();
      scan_ = elem_start_ = 0;
    } else if (keep >= 4096) {
      data_.erase(0, keep);
      scan_ -= keep;
      elem_start_ = elem_start_ >= keep ? elem_start_ - keep : 0;
    }
  }

  std::string data_;
  std::size_t scan_ = 0, depth_ = 0, elem_start_ = 0;
};

// Reading an element's raw text.
namespace xml {

inline std::string_view name(std::string_view el) {
  std::size_t e = el.find_first_of(" \t\r\n/>", 1);
  return el.substr(1, e == std::string_view::npos ? std::string_view::npos : e - 1);
}

// The start tag only: attributes are read from there.
inline std::string_view start_tag(std::string_view el) {
  char quote = 0;
  for (std::size_t i = 1; i < el.size(); ++i) {
    char c = el[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '>') {
      return el.substr(0, i + 1);
    }
  }
  return el;
}

inline std::string_view attr(std::string_view el, std::string_view key) {
  std::string_view tag = start_tag(el);
  std::size_t pos = 0;
  while ((pos = tag.find(key, pos)) != std::string_view::npos) {
    char before = pos ? tag[pos - 1] : 0;
    std::size_t eq = pos + key.size();
    if ((before == ' ' || before == '\t' || before == '\n' || before == '\r') && eq + 1 < tag.size() &&
        tag[eq] == '=' && (tag[eq + 1] == '\'' || tag[eq + 1] == '"')) {
      char q = tag[eq + 1];
      std::size_t end = tag.find(q, eq + 2);
      if (end == std::string_view::npos) return {};
      return tag.substr(eq + 2, end - eq - 2);
    }
    pos = eq;
  }
  return {};
}

// The text of the first child element named `child` (no prefix handling beyond a literal match).
inline std::string_view child_text(std::string_view el, std::string_view child, std::size_t from = 0) {
  std::string open = "<" + std::string(child);
  std::size_t pos = from;
  while ((pos = el.find(open, pos)) != std::string_view::npos) {
    std::size_t after = pos + open.size();
    if (after < el.size() && (el[after] == '>' || el[after] == ' ' || el[after] == '/')) break;
    pos = after;
  }
  if (pos == std::string_view::npos) return {};
  std::size_t gt = el.find('>', pos);
  if (gt == std::string_view::npos || el[gt - 1] == '/') return {};
  std::size_t end = el.find('<', gt + 1);
  if (end == std::string_view::npos) return {};
  return el.substr(gt + 1, end - gt - 1);
}

inline bool has(std::string_view el, std::string_view needle) { return el.find(needle) != std::string_view::npos; }

// The attribute `key` of the first element whose start tag holds `marker` (e.g. a namespace).
inline std::string_view attr_of(std::string_view el, std::string_view marker, std::string_view key) {
  auto pos = el.find(marker);
  if (pos == std::string_view::npos) return {};
  auto lt = el.rfind('<', pos);
  return lt == std::string_view::npos ? std::string_view{} : attr(el.substr(lt), key);
}

// All texts of child elements named `child` (e.g. SASL <mechanism/>s).
inline std::vector<std::string> child_texts(std::string_view el, std::string_view child) {
  std::vector<std::string> out;
  std::string open = "<" + std::string(child) + ">";
  std::size_t pos = 0;
  while ((pos = el.find(open, pos)) != std::string_view::npos) {
    std::size_t start = pos + open.size();
    std::size_t end = el.find('<', start);
    if (end == std::string_view::npos) break;
    out.emplace_back(el.substr(start, end - start));
    pos = end;
  }
  return out;
}

inline std::string escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\'': out += "&apos;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace xml
}  // namespace loadgen
