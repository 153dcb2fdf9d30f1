// The pure rules of the XEP-0363 upload service: which content types are allowed, how a client's
// file name is cleaned, the URL path of a file, and the Content-Disposition it is served with.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xmppd::upload {

// The content type a slot request names (XEP-0363 §4: optional; §6: application/octet-stream
// when absent), lower case, without parameters; nullopt when malformed.
std::optional<std::string> normalise_content_type(std::string_view requested);

// Is `type` in `allowed` ("image/*" matches every image type; an empty list allows all)?
bool content_type_allowed(const std::vector<std::string>& allowed, const std::string& type);

// The client's file name without any directory part or control characters, at most 255 bytes
// of whole UTF-8 characters; nullopt when nothing usable is left.
std::optional<std::string> clean_filename(std::string_view requested);

// RFC 3986 percent-encoding of a path segment (unreserved characters kept).
std::string percent_encode(std::string_view segment);

// The file id of an upload URL path "/<32 hex>/<name>" (one segment), or nullopt.
std::optional<std::string> file_id(std::string_view path);

// RFC 6266 §4: attachment, with an ASCII fallback name and the UTF-8 name (RFC 8187 §3.2).
std::string content_disposition(std::string_view filename);


}  // namespace xmppd::upload
