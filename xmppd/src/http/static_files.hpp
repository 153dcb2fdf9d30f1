// The static files of webclient/ ([http] webroot): GET and HEAD (RFC 9110 §9.3.1, §9.3.2) with
// content types by extension, strong ETags and If-None-Match → 304 (RFC 9110 §8.8.3, §13.1.2),
// Cache-Control (RFC 9111 §5.2.2; `immutable`, RFC 8246, for content-hashed names, `no-cache`
// otherwise), pre-compressed `.br`/`.gz` variants chosen by Accept-Encoding (RFC 9110 §12.5.3)
// with `Vary: Accept-Encoding`, and a strict Content-Security-Policy on HTML.
//
// Paths are percent-decoded once; a segment that is empty, "." or "..", or starts with a dot, a
// backslash or a NUL is refused (404, so nothing about the file system shows), and the file's
// real path (symlinks resolved) must lie inside the web root.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "xmppd/http.hpp"

namespace xmppd {

class StaticFiles {
 public:
  // `webroot` empty or not a directory: serve() never answers.
  explicit StaticFiles(const std::string& webroot);

  // The answer for `request`, or nullopt when no file of the web root matches its path.
  // `connect_hosts`: other host names the pages may connect to (e.g. the upload host), added to
  // the CSP connect-src of HTML pages.
  std::optional<HttpResponse> serve(const HttpRequest& request, const std::vector<std::string>& connect_hosts) const;

  bool enabled() const { return !root_.empty(); }

 private:
  std::string root_;  // canonical, without a trailing slash; empty when disabled
};

}  // namespace xmppd
