// The static files of webclient/: see static_files.hpp.
#include "http/static_files.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <regex>
#include <system_error>

namespace xmppd {

namespace fs = std::filesystem;

namespace {

struct TypeByExtension {
  const char* ext;
  const char* type;
};
constexpr TypeByExtension kTypes[] = {
    {".html", "text/html; charset=utf-8"},
    {".htm", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},  // RFC 9239 §6
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".map", "application/json"},
    {".webmanifest", "application/manifest+json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".webp", "image/webp"},
    {".ico", "image/x-icon"},
    {".woff", "font/woff"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
    {".xml", "application/xml"},
    {".wasm", "application/wasm"},
    {".mp3", "audio/mpeg"},
    {".ogg", "audio/ogg"},
};

std::string content_type(const std::string& name) {
  std::string lower = name;
  for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& t : kTypes)
    if (lower.ends_with(t.ext)) return t.type;
  return "application/octet-stream";
}

bool is_html(const std::string& name) { return name.ends_with(".html") || name.ends_with(".htm"); }

// A name a bundler gave a content hash ("loader.3f2a9c1d.js", "chunk-5FJ2KQ7P.js"): its
// contents never change, so it may be cached for a year without asking again.
bool content_hashed(const std::string& name) {
  static const std::regex hashed(R"(.*[.-]([0-9a-fA-F]{8,}|[A-Za-z0-9_]{8,})\.[A-Za-z0-9]+$)");
  if (!std::regex_match(name, hashed)) return false;
  // A hash has digits; "readme-overview.txt" has none.
  auto dot = name.find_last_of('.');
  auto sep = name.find_last_of(".-", dot - 1);
  std::string part = name.substr(sep + 1, dot - sep - 1);
  return std::any_of(part.begin(), part.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The request path percent-decoded once (RFC 3986 §2.1), split into safe segments; nullopt for
// anything that could leave the web root or reach a hidden file.
std::optional<std::vector<std::string>> safe_segments(const std::string& raw, bool& trailing_slash) {
  if (raw.empty() || raw.front() != '/') return std::nullopt;
  std::string path;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '%') {
      if (i + 2 >= raw.size() || hex(raw[i + 1]) < 0 || hex(raw[i + 2]) < 0) return std::nullopt;
      path += char(hex(raw[i + 1]) * 16 + hex(raw[i + 2]));
      i += 2;
    } else {
      path += raw[i];
    }
  }
  trailing_slash = path.size() > 1 && path.back() == '/';
  std::vector<std::string> segments;
  std::size_t pos = 1;
  while (pos <= path.size()) {
    std::size_t end = path.find('/', pos);
    if (end == std::string::npos) end = path.size();
    std::string seg = path.substr(pos, end - pos);
    pos = end + 1;
    if (seg.empty()) {
      if (end == path.size()) break;  // the trailing slash
      return std::nullopt;            // "//"
    }
    if (seg.front() == '.') return std::nullopt;  // ".", "..", ".git", ".env"
    for (char c : seg)
      if (c == '\\' || c == '\0' || static_cast<unsigned char>(c) < 0x20) return std::nullopt;
    segments.push_back(std::move(seg));
  }
  return segments;
}

// Accept-Encoding (RFC 9110 §12.5.3): is `coding` acceptable (listed, or "*", with q > 0)?
bool accepts(std::string_view header, std::string_view coding) {
  bool star = false, listed = false, listed_ok = false;
  std::size_t pos = 0;
  while (pos <= header.size()) {
    std::size_t end = header.find(',', pos);
    if (end == std::string_view::npos) end = header.size();
    std::string_view item = header.substr(pos, end - pos);
    pos = end + 1;
    std::string_view name = item.substr(0, item.find(';'));
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    bool zero = false;
    if (auto q = item.find("q="); q != std::string_view::npos) {
      std::string v(item.substr(q + 2));
      zero = std::strtod(v.c_str(), nullptr) <= 0.0;
    }
    std::string lname(name);
    for (char& c : lname) c = char(std::tolower(static_cast<unsigned char>(c)));
    if (lname == coding) {
      listed = true;
      listed_ok = !zero;
    } else if (lname == "*") {
      star = !zero;
    }
  }
  return listed ? listed_ok : star;
}

// If-None-Match (RFC 9110 §13.1.2): weak comparison against our strong tag.
bool none_match(std::string_view header, const std::string& etag) {
  std::size_t pos = 0;
  while (pos <= header.size()) {
    std::size_t end = header.find(',', pos);
    if (end == std::string_view::npos) end = header.size();
    std::string_view tag = header.substr(pos, end - pos);
    pos = end + 1;
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (tag == "*") return true;
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == etag) return true;
  }
  return false;
}

struct FileInfo {
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
};

std::optional<FileInfo> regular_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return FileInfo{static_cast<std::uint64_t>(st.st_size),
                  std::int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

// A strong validator (RFC 9110 §8.8.3) of one representation: its size and modification time,
// and the content coding, since a compressed variant is a different representation.
std::string make_etag(const FileInfo& f, std::string_view coding) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "\"%llx-%llx%s%.*s\"", static_cast<unsigned long long>(f.size),
                static_cast<unsigned long long>(f.mtime_ns), coding.empty() ? "" : "-", int(coding.size()),
                coding.data());
  return buf;
}

// For HTML pages: scripts, styles and connections only from this origin (and the services'
// own hosts for connections, e.g. uploads), no inline script, no framing (CSP Level 3).
std::string page_policy(const std::vector<std::string>& connect_hosts) {
  std::string connect = "'self'";
  for (const auto& h : connect_hosts) connect += " " + h + ":*";
  return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; "
         "media-src 'self'; connect-src " + connect + "; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
}

}  // namespace

StaticFiles::StaticFiles(const std::string& webroot) {
  if (webroot.empty()) return;
  std::error_code ec;
  fs::path root = fs::canonical(webroot, ec);
  if (ec || !fs::is_directory(root, ec)) return;
  root_ = root.string();
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

std::optional<HttpResponse> StaticFiles::serve(const HttpRequest& r, const std::vector<std::string>& connect_hosts) const {
  if (root_.empty()) return std::nullopt;
  bool trailing_slash = false;
  auto segments = safe_segments(r.path, trailing_slash);
  if (!segments) return std::nullopt;
  std::string path = root_;
  for (const auto& s : *segments) path += "/" + s;

  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    if (!trailing_slash && !segments->empty()) {
      // RFC 9110 §15.4.2: the directory's address ends with a slash (relative links resolve).
      HttpResponse res = HttpResponse::text(301, "moved\n");
      res.headers.emplace_back("Location", r.path + "/");
      return res;
    }
    path += "/index.html";
  } else if (trailing_slash) {
    return std::nullopt;
  }
  // Symlinks inside the web root may point anywhere in it, never out of it.
  fs::path real = fs::canonical(path, ec);
  if (ec) return std::nullopt;
  std::string real_s = real.string();
  if (!real_s.starts_with(root_ + "/")) return std::nullopt;
  auto plain = regular_file(real_s);
  if (!plain) return std::nullopt;

  if (r.method != "GET" && r.method != "HEAD") {
    HttpResponse res = HttpResponse::text(405, "method not allowed\n");
    res.headers.emplace_back("Allow", "GET, HEAD");
    return res;
  }

  std::string name = real.filename().string();
  HttpResponse res;
  res.content_type = content_type(name);
  res.file = real_s;
  FileInfo served = *plain;
  std::string coding;
  // Pre-compressed variants made at build time beside the file (name.br, name.gz).
  bool variants = false;
  std::string_view accept = r.header("accept-encoding");
  for (const char* c : {"br", "gzip"}) {
    std::string variant = real_s + (std::string_view(c) == "br" ? ".br" : ".gz");
    auto info = regular_file(variant);
    if (!info) continue;
    variants = true;
    if (coding.empty() && accepts(accept, c)) {
      coding = c;
      res.file = variant;
      served = *info;
    }
  }
  std::string etag = make_etag(served, coding);
  res.headers.emplace_back("ETag", etag);
  if (variants) res.headers.emplace_back("Vary", "Accept-Encoding");
  if (!coding.empty()) res.headers.emplace_back("Content-Encoding", coding);
  if (is_html(name)) {
    res.headers.emplace_back("Cache-Control", "no-cache");
    res.headers.emplace_back("Content-Security-Policy", page_policy(connect_hosts));
    res.headers.emplace_back("Referrer-Policy", "no-referrer");
  } else if (content_hashed(name)) {
    res.headers.emplace_back("Cache-Control", "public, max-age=31536000, immutable");
  } else {
    res.headers.emplace_back("Cache-Control", "no-cache");
  }
  if (std::string_view inm = r.header("if-none-match"); !inm.empty() && none_match(inm, etag)) {
    // RFC 9110 §15.4.5: the validators and caching headers again, no body.
    res.status = 304;
    res.file.clear();
    res.content_type.clear();
    std::erase_if(res.headers, [](const auto& h) { return h.first == "Content-Encoding"; });
  }
  return res;
}

}  // namespace xmppd
