// Incremental XML stream parser on expat (RFC 6120 §4, §11): restricted XML, budgets per stanza,
// namespaces expanded, stanzas delivered as trees the moment their end tag is read.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "xmppd/element.hpp"

namespace xmppd {

struct ParserLimits {
  std::size_t max_stanza_bytes = 256 * 1024;  // RFC 6120 §13.12: policy-violation beyond it
  int max_depth = 32;                         // counted from the stanza (depth 1)
  int max_attributes = 64;
  std::size_t max_name_bytes = 1024;
  int max_namespace_declarations = 16;
  // Bytes that may arrive without any parser callback: bounds expat's re-parse of a token
  // split across reads (CVE-2023-52425) and the size of a single token.
  std::size_t max_unreported_bytes = 16 * 1024;
};

// Stream error conditions the parser detects (RFC 6120 §4.9.3).
enum class ParseError {
  none,
  restricted_xml,        // DTD, comment, PI, entity declaration or reference
  not_well_formed,
  bad_namespace_prefix,  // unbound prefix on the stream element
  invalid_namespace,     // stream element not <stream xmlns='http://etherx.jabber.org/streams'>
  policy_violation,      // a budget was exceeded
  bad_format,            // well-formed but not XMPP (text between stanzas)
};
const char* stream_error_name(ParseError e);

class StreamParser {
 public:
  struct Callbacks {
    // The stream header: its name/namespace checked, attributes as given, and the default
    // namespace it declares (the content namespace, e.g. jabber:client).
    std::function<void(const Element& header, const std::string& content_ns)> stream_open;
    std::function<void(Element&& stanza)> stanza;
    std::function<void()> stream_close;
  };

  // `stream_framed`: true for TCP streams (stanzas inside <stream:stream>); false for RFC 7395
  // WebSocket framing, where every top-level element is delivered whole.
  StreamParser(ParserLimits limits, Callbacks callbacks, bool stream_framed = true);
  ~StreamParser();
  StreamParser(const StreamParser&) = delete;
  StreamParser& operator=(const StreamParser&) = delete;

  // Feeds bytes. Returns ParseError::none, or the stream error to close with. Callbacks may
  // run during the call; a callback may call stop() (e.g. after the stream must restart).
  ParseError feed(const char* data, std::size_t size);
  // RFC 6120 §4.3.3: after STARTTLS or SASL success, a new stream begins from a fresh parser.
  void reset();
  // Stops delivering from the current feed() (the rest of the buffer is discarded).
  void stop();
  // Frees expat's state while a connection is idle between stanzas (about 10 KiB); the next
  // feed() re-creates it and replays an equivalent stream header first. False when the parser
  // is inside a stanza or holds unreported bytes, and so cannot park now.
  bool park();
  bool parked() const;
  void set_limits(const ParserLimits& limits) { limits_ = limits; }
  void set_callbacks(Callbacks callbacks);
  const ParserLimits& limits() const { return limits_; }
  std::string_view error_text() const { return error_text_; }

 private:
  void unpark();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  ParserLimits limits_;
  std::string error_text_;
};

// Where expat's own memory (the parser, its buffer and name tables: ~9 KiB while a stream is
// being read) comes from. By default malloc. A program may give parsers an allocator of their own
// once at start, before the first parser: parked parsers then free whole pages instead of holes
// between the long-lived objects allocated meanwhile (apps/xmppd_main.cpp, mimalloc).
struct ParserMemory {
  void* (*malloc_fn)(std::size_t size);
  void* (*realloc_fn)(void* ptr, std::size_t size);
  void (*free_fn)(void* ptr);
};
void set_parser_memory(const ParserMemory& memory);

// The top-level elements of a complete text (not a stream): the first in `first`, how many in
// `count`; on a parse error, its text. Through one parser per thread, reset for each call.
// parse_element() (exactly one element from stored text, for modules) is in xmppd/element.hpp.
ParseError parse_elements(std::string_view text, const ParserLimits& limits, std::optional<Element>& first,
                          int& count, std::string& error_text);

}  // namespace xmppd
