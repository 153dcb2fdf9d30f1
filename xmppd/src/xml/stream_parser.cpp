// Incremental XML stream parser on expat (RFC 6120 §4, §11; see shared/reference/bad-input.md).
#include "xml/stream_parser.hpp"

#ifdef XMPPD_HAVE_AMPLIFICATION_LIMIT
#define XML_DTD  // declares the amplification limit (the library is built with it)
#endif
#include <expat.h>

#include <cstring>
#include <vector>

#include "xmppd/namespaces.hpp"
#include "xmppd/random.hpp"

namespace xmppd {

const char* stream_error_name(ParseError e) {
  switch (e) {
    case ParseError::none: return "";
    case ParseError::restricted_xml: return "restricted-xml";
    case ParseError::not_well_formed: return "not-well-formed";
    case ParseError::bad_namespace_prefix: return "bad-namespace-prefix";
    case ParseError::invalid_namespace: return "invalid-namespace";
    case ParseError::policy_violation: return "policy-violation";
    case ParseError::bad_format: return "bad-format";
  }
  return "not-well-formed";
}

namespace {
constexpr char kSep = '\xff';  // cannot occur in UTF-8, so never in a namespace URI

// The salt of expat's hash tables (against attribute names chosen to collide), from our pool.
// Left to expat, every new or reset parser reads getenv() and calls getrandom() on its first
// parse: 1.9 % of a WebSocket message's CPU (perf, closed loop), and one more system call for
// every login and every parser unparked.
unsigned long hash_salt() {
  unsigned long salt = 0;
  std::string bytes = random_bytes(sizeof salt);
  std::memcpy(&salt, bytes.data(), sizeof salt);
  return salt;
}

// Null until set_parser_memory(): expat then uses malloc.
XML_Memory_Handling_Suite g_parser_memory{};
const XML_Memory_Handling_Suite* parser_memory() {
  return g_parser_memory.malloc_fcn ? &g_parser_memory : nullptr;
}

// Expat reports names as triplets "uri\xfflocal\xffprefix" (XML_SetReturnNSTriplet):
// → (uri, local); "local" → ("", local). The prefix matters only for the stream element.
std::pair<std::string, std::string> split_name(const char* expanded, std::string* prefix = nullptr) {
  std::string_view s(expanded);
  auto pos = s.find(kSep);
  if (pos == std::string_view::npos) return {std::string(), std::string(s)};
  std::string_view rest = s.substr(pos + 1);
  auto pos2 = rest.find(kSep);
  if (prefix) *prefix = pos2 == std::string_view::npos ? std::string() : std::string(rest.substr(pos2 + 1));
  return {std::string(s.substr(0, pos)), std::string(rest.substr(0, pos2))};
}
}  // namespace

struct StreamParser::Impl {
  StreamParser& owner;
  Callbacks cb;
  bool framed;
  XML_Parser parser = nullptr;
  ParseError error = ParseError::none;
  int depth = 0;                 // 0 outside the stream element; stanzas open at depth 1 (framed)
  int stanza_depth_base = 1;     // depth at which a stanza starts
  std::vector<Element*> stack;   // open elements of the stanza being built
  Element stanza;                // the stanza being built
  std::string content_ns;        // default namespace declared on the stream element
  std::int64_t stanza_start = -1;    // byte index where the current stanza began
  std::int64_t consumed = 0;         // bytes fed so far
  std::int64_t last_callback = 0;    // consumed at the last callback
  int ns_decls_this_element = 0;
  bool stopped = false;
  // Parking (see StreamParser::park): where the last complete event ended, the stream
  // element's prefix, and whether the stream header is being replayed.
  std::int64_t reported_upto = 0;
  std::string stream_prefix;
  bool parked = false, replaying = false;

  Impl(StreamParser& o, Callbacks c, bool f) : owner(o), cb(std::move(c)), framed(f) {
    stanza_depth_base = framed ? 1 : 0;
    create();
  }
  ~Impl() {
    if (parser) XML_ParserFree(parser);
  }

  void create() {
    if (parser) {
      XML_ParserReset(parser, "UTF-8");  // keeps the allocations for the next stream
    } else {
      const XML_Char separator[] = {kSep, 0};
      parser = XML_ParserCreate_MM("UTF-8", parser_memory(), separator);
    }
    XML_SetHashSalt(parser, hash_salt());
    XML_SetUserData(parser, this);
    XML_SetReturnNSTriplet(parser, XML_TRUE);
    XML_SetParamEntityParsing(parser, XML_PARAM_ENTITY_PARSING_NEVER);
#ifdef XMPPD_HAVE_REPARSE_DEFERRAL
    // A stream protocol cannot wait for more bytes to report a token that is complete:
    // the budget in check_progress() bounds the re-parse cost instead.
    XML_SetReparseDeferralEnabled(parser, XML_FALSE);
#endif
#ifdef XMPPD_HAVE_AMPLIFICATION_LIMIT
    // A belt: DTDs are refused at their first byte, so nothing can be amplified anyway.
    XML_SetBillionLaughsAttackProtectionMaximumAmplification(parser, 2.0f);
#endif
    XML_SetElementHandler(parser, &on_start, &on_end);
    XML_SetCharacterDataHandler(parser, &on_text);
    XML_SetStartNamespaceDeclHandler(parser, &on_ns_decl);
    XML_SetCommentHandler(parser, &on_forbidden_comment);
    XML_SetProcessingInstructionHandler(parser, &on_forbidden_pi);
    XML_SetStartDoctypeDeclHandler(parser, &on_forbidden_doctype);
    XML_SetEntityDeclHandler(parser, &on_forbidden_entity);
    XML_SetSkippedEntityHandler(parser, &on_skipped_entity);
    depth = 0;
    stack.clear();
    stanza = Element();
    stanza_start = -1;
    content_ns.clear();
    ns_decls_this_element = 0;
    reported_upto = 0;
  }

  // The byte index just after the event being reported.
  std::int64_t event_end() const {
    return XML_GetCurrentByteIndex(parser) + XML_GetCurrentByteCount(parser);
  }

  static Impl& self(void* ud) { return *static_cast<Impl*>(ud); }

  void fail(ParseError e, std::string text = {}) {
    if (error == ParseError::none) {
      error = e;
      owner.error_text_ = std::move(text);
    }
    XML_StopParser(parser, XML_FALSE);
  }

  // Runs at every callback: the stanza byte budget and the unreported-bytes budget.
  bool check_progress() {
    if (error != ParseError::none || stopped) return false;
    std::int64_t index = XML_GetCurrentByteIndex(parser);
    if (stanza_start >= 0 && index - stanza_start > std::int64_t(owner.limits_.max_stanza_bytes)) {
      fail(ParseError::policy_violation, "stanza too large");
      return false;
    }
    last_callback = consumed;
    return true;
  }

  static void XMLCALL on_ns_decl(void* ud, const XML_Char* prefix, const XML_Char* uri) {
    Impl& s = self(ud);
    if (!s.check_progress()) return;
    if (++s.ns_decls_this_element > s.owner.limits_.max_namespace_declarations)
      return s.fail(ParseError::policy_violation, "too many namespace declarations");
    if (s.depth == 0 && prefix == nullptr && uri) s.content_ns = uri;
  }

  static void XMLCALL on_start(void* ud, const XML_Char* name, const XML_Char** attrs) {
    Impl& s = self(ud);
    if (!s.check_progress()) return;
    s.ns_decls_this_element = 0;
    const ParserLimits& lim = s.owner.limits_;
    int attr_count = 0;
    for (const XML_Char** a = attrs; *a; a += 2) {
      if (++attr_count > lim.max_attributes) return s.fail(ParseError::policy_violation, "too many attributes");
      if (std::char_traits<char>::length(a[0]) > lim.max_name_bytes)
        return s.fail(ParseError::policy_violation, "attribute name too long");
    }
    if (std::char_traits<char>::length(name) > lim.max_name_bytes)
      return s.fail(ParseError::policy_violation, "element name too long");

    std::string prefix;
    auto [ns, local] = split_name(name, &prefix);
    if (s.framed && s.depth == 0) {
      // RFC 6120 §4.8.1: the stream element is <stream> in the streams namespace.
      if (local != "stream" || ns != ns::kStream) return s.fail(ParseError::invalid_namespace);
      ++s.depth;
      s.stream_prefix = prefix;
      s.reported_upto = s.event_end();
      if (s.replaying) return;  // unparking: the header was seen long ago
      Element header(local, ns);
      copy_attributes(header, attrs);
      if (s.cb.stream_open) s.cb.stream_open(header, s.content_ns);
      return;
    }
    if (s.framed && s.depth == 1 && local == "stream" && ns == ns::kStream)
      // A second stream header without a restart (RFC 6120 §4.3.3 allows one only after
      // STARTTLS or SASL, and the parser is reset then): the stream element cannot nest.
      // Refused at its start tag, not when its end tag never comes.
      return s.fail(ParseError::not_well_formed, "stream header inside the stream");
    int level = s.depth - s.stanza_depth_base;  // 0 for the stanza element itself
    if (level >= lim.max_depth) return s.fail(ParseError::policy_violation, "nesting too deep");
    ++s.depth;
    if (level == 0) {
      s.stanza = Element(std::move(local), std::move(ns));
      copy_attributes(s.stanza, attrs);
      s.stack.assign(1, &s.stanza);
      s.stanza_start = XML_GetCurrentByteIndex(s.parser);
    } else {
      Element& child = s.stack.back()->add_child(std::move(local), std::move(ns));
      copy_attributes(child, attrs);
      s.stack.push_back(&child);
    }
  }

  static void copy_attributes(Element& e, const XML_Char** attrs) {
    for (const XML_Char** a = attrs; *a; a += 2) {
      std::string_view key(a[0]);
      auto pos = key.find(kSep);
      if (pos == std::string_view::npos) {
        e.set_attr(key, a[1]);
        continue;
      }
      std::string_view local = key.substr(pos + 1);
      local = local.substr(0, local.find(kSep));  // drop the prefix of the triplet
      if (key.substr(0, pos) == ns::kXml)
        e.set_attr("xml:" + std::string(local), a[1]);
      else
        e.set_attr(std::string(key.substr(0, pos)) + kSep + std::string(local), a[1]);
    }
  }

  static void XMLCALL on_end(void* ud, const XML_Char*) {
    Impl& s = self(ud);
    if (!s.check_progress()) return;
    --s.depth;
    if (s.framed && s.depth == 0) {
      if (s.cb.stream_close) s.cb.stream_close();
      return;
    }
    if (s.stack.empty()) return;
    s.stack.pop_back();
    if (s.stack.empty()) {
      s.stanza_start = -1;
      s.reported_upto = s.event_end();
      Element done = std::move(s.stanza);
      s.stanza = Element();
      if (s.cb.stanza) s.cb.stanza(std::move(done));
    }
  }

  static void XMLCALL on_text(void* ud, const XML_Char* text, int len) {
    Impl& s = self(ud);
    if (!s.check_progress()) return;
    if (s.stack.empty()) {
      // Between stanzas only whitespace is allowed (RFC 6120 §4.6.1 keepalives); other text
      // is well-formed XML that is not XMPP (§4.9.3.1).
      for (int i = 0; i < len; ++i)
        if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r' && text[i] != '\n')
          return s.fail(ParseError::bad_format, "text between stanzas");
      s.reported_upto = s.event_end();
      return;
    }
    Element& parent = *s.stack.back();
    auto& kids = parent.children();
    if (!kids.empty() && kids.back().is_text()) {
      kids.back().append_raw_text(std::string_view(text, len));
    } else {
      parent.add_text(std::string(text, len));
    }
  }

  // RFC 6120 §11.1: comments, PIs, DTDs and entity declarations close the stream.
  static void XMLCALL on_forbidden_comment(void* ud, const XML_Char*) {
    self(ud).fail(ParseError::restricted_xml);
  }
  static void XMLCALL on_forbidden_pi(void* ud, const XML_Char*, const XML_Char*) {
    self(ud).fail(ParseError::restricted_xml);
  }
  static void XMLCALL on_forbidden_doctype(void* ud, const XML_Char*, const XML_Char*,
                                           const XML_Char*, int) {
    self(ud).fail(ParseError::restricted_xml);
  }
  static void XMLCALL on_forbidden_entity(void* ud, const XML_Char*, int, const XML_Char*, int,
                                          const XML_Char*, const XML_Char*, const XML_Char*,
                                          const XML_Char*) {
    self(ud).fail(ParseError::restricted_xml);
  }
  static void XMLCALL on_skipped_entity(void* ud, const XML_Char*, int) {
    self(ud).fail(ParseError::restricted_xml);
  }

  ParseError map_expat_error() {
    switch (XML_GetErrorCode(parser)) {
      case XML_ERROR_UNDEFINED_ENTITY:
      case XML_ERROR_RECURSIVE_ENTITY_REF:
      case XML_ERROR_EXTERNAL_ENTITY_HANDLING:
      case XML_ERROR_ENTITY_DECLARED_IN_PE:
      case XML_ERROR_NOT_STANDALONE:
#ifdef XMPPD_HAVE_AMPLIFICATION_LIMIT
      case XML_ERROR_AMPLIFICATION_LIMIT_BREACH:
#endif
        return ParseError::restricted_xml;
      case XML_ERROR_UNBOUND_PREFIX:
        // An unbound prefix on the stream element itself (RFC 6120 §4.9.3.2).
        return depth == 0 && framed ? ParseError::bad_namespace_prefix : ParseError::not_well_formed;
      default:
        return ParseError::not_well_formed;
    }
  }
};

StreamParser::StreamParser(ParserLimits limits, Callbacks callbacks, bool stream_framed)
    : limits_(limits) {
  impl_ = std::make_unique<Impl>(*this, std::move(callbacks), stream_framed);
}

StreamParser::~StreamParser() = default;

void StreamParser::set_callbacks(Callbacks callbacks) { impl_->cb = std::move(callbacks); }

void StreamParser::reset() {
  impl_->parked = false;
  impl_->create();
  impl_->error = ParseError::none;
  impl_->stopped = false;
  impl_->last_callback = impl_->consumed;
  impl_->consumed = 0;
  impl_->last_callback = 0;
  error_text_.clear();
}

void StreamParser::stop() {
  impl_->stopped = true;
  if (impl_->parser) XML_StopParser(impl_->parser, XML_FALSE);
}

bool StreamParser::park() {
  Impl& s = *impl_;
  // Only between stanzas, with every byte fed already reported: nothing is lost by freeing.
  if (!s.framed || s.parked || s.error != ParseError::none || s.stopped || s.depth != 1 ||
      !s.stack.empty() || s.reported_upto != s.consumed)
    return false;
  XML_ParserFree(s.parser);
  s.parser = nullptr;
  s.parked = true;
  return true;
}

bool StreamParser::parked() const { return impl_->parked; }

void StreamParser::unpark() {
  Impl& s = *impl_;
  if (!s.parked) return;
  s.parked = false;
  std::string content_ns = s.content_ns, prefix = s.stream_prefix;
  s.create();
  // Replay an equivalent stream header; its callback is suppressed.
  std::string qname = prefix.empty() ? "stream" : prefix + ":stream";
  std::string header = "<" + qname + " xmlns='";
  append_escaped(header, content_ns, true);
  header += "' xmlns" + (prefix.empty() ? std::string() : ":" + prefix) + "='" + ns::kStream + "'>";
  s.replaying = true;
  XML_Parse(s.parser, header.data(), int(header.size()), XML_FALSE);
  s.replaying = false;
  s.content_ns = content_ns;
  s.consumed = std::int64_t(header.size());
  s.last_callback = s.consumed;
}

ParseError StreamParser::feed(const char* data, std::size_t size) {
  Impl& s = *impl_;
  if (s.error != ParseError::none) return s.error;
  if (s.stopped) return ParseError::none;
  if (s.parked) unpark();
  s.consumed += std::int64_t(size);
  XML_Status status = XML_Parse(s.parser, data, int(size), XML_FALSE);
  if (s.error != ParseError::none) return s.error;
  if (s.stopped) return ParseError::none;
  if (status == XML_STATUS_ERROR) {
    s.error = s.map_expat_error();
    error_text_ = XML_ErrorString(XML_GetErrorCode(s.parser));
    return s.error;
  }
  // Bytes held back by expat without a callback: a token still being read.
  if (s.consumed - s.last_callback > std::int64_t(limits_.max_unreported_bytes)) {
    s.error = ParseError::policy_violation;
    error_text_ = "token too large";
    return s.error;
  }
  if (s.stanza_start >= 0 && s.consumed - s.stanza_start > std::int64_t(limits_.max_stanza_bytes)) {
    s.error = ParseError::policy_violation;
    error_text_ = "stanza too large";
    return s.error;
  }
  return ParseError::none;
}

void set_parser_memory(const ParserMemory& memory) {
  g_parser_memory = XML_Memory_Handling_Suite{memory.malloc_fn, memory.realloc_fn, memory.free_fn};
}

namespace {
// One parser per thread, reset for every text: a new expat parser per call (its allocations,
// its tables) was the largest part of parsing a WebSocket message. A text is parsed to the end
// before anything else runs on the thread, and callers keep no parser of their own.
struct TextParser {
  int count = 0;
  std::optional<Element>* out = nullptr;
  StreamParser parser{ParserLimits{}, callbacks(), /*stream_framed=*/false};

  StreamParser::Callbacks callbacks() {
    StreamParser::Callbacks cb;
    cb.stanza = [this](Element&& e) {
      if (count++ == 0) *out = std::move(e);
    };
    return cb;
  }
};
}  // namespace

ParseError parse_elements(std::string_view text, const ParserLimits& limits, std::optional<Element>& first,
                          int& count, std::string& error_text) {
  thread_local TextParser p;
  p.parser.set_limits(limits);
  p.parser.reset();
  p.count = 0;
  p.out = &first;
  ParseError pe = p.parser.feed(text.data(), text.size());
  p.out = nullptr;
  count = p.count;
  if (pe != ParseError::none) error_text = std::string(p.parser.error_text());
  return pe;
}

std::optional<Element> parse_element(std::string_view xml) {
  ParserLimits limits;
  limits.max_stanza_bytes = xml.size() + 1;
  limits.max_unreported_bytes = xml.size() + 1;
  std::optional<Element> out;
  int count = 0;
  std::string error_text;
  if (parse_elements(xml, limits, out, count, error_text) != ParseError::none || count != 1) return std::nullopt;
  return out;
}

}  // namespace xmppd
