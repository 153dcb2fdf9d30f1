// The pure rules of the XEP-0363 upload service (see upload_rules.hpp).
#include "upload_rules.hpp"

#include <cctype>

namespace xmppd::upload {

namespace {
bool token_char(char c) {
  // RFC 9110 §5.6.2 tchar
  return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}
}  // namespace

std::optional<std::string> normalise_content_type(std::string_view requested) {
  std::string_view t = requested.substr(0, requested.find(';'));
  while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  if (t.empty()) return std::string("application/octet-stream");
  auto slash = t.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == t.size() || t.size() > 127) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    if (i != slash && !token_char(c)) return std::nullopt;
    out += char(std::tolower(static_cast<unsigned char>(c)));
  }
  if (out.find('/', slash + 1) != std::string::npos) return std::nullopt;
  return out;
}

bool content_type_allowed(const std::vector<std::string>& allowed, const std::string& type) {
  if (allowed.empty()) return true;
  for (const auto& a : allowed) {
    if (a == type) return true;
    if (a.ends_with("/*") && type.starts_with(a.substr(0, a.size() - 1))) return true;
  }
  return false;
}

std::optional<std::string> clean_filename(std::string_view requested) {
  auto cut = requested.find_last_of("/\\");
  if (cut != std::string_view::npos) requested.remove_prefix(cut + 1);
  std::string out;
  for (char c : requested)
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) out += c;
  while (!out.empty() && (out.front() == ' ' || out.front() == '.')) out.erase(out.begin());
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (out.size() > 255) {
    out.resize(255);
    // Never half a UTF-8 character: drop continuation bytes and the lead byte they follow.
    while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
    if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
  }
  if (out.empty()) return std::nullopt;
  return out;
}

std::string percent_encode(std::string_view segment) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (char ch : segment) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::optional<std::string> file_id(std::string_view path) {
  // One more segment, the file's name (cosmetic), and nothing below it.
  if (path.size() < 35 || path[0] != '/' || path[33] != '/' || path.find('/', 34) != std::string_view::npos)
    return std::nullopt;
  std::string_view id = path.substr(1, 32);
  for (char c : id)
    if (!std::isdigit(static_cast<unsigned char>(c)) && !(c >= 'a' && c <= 'f')) return std::nullopt;
  return std::string(id);
}

std::string content_disposition(std::string_view filename) {
  std::string ascii;
  for (char c : filename) {
    auto u = static_cast<unsigned char>(c);
    ascii += (u >= 0x20 && u < 0x7f && c != '"' && c != '\\') ? c : '_';
  }
  return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + percent_encode(filename);
}

}  // namespace xmppd::upload
