// XEP-0363 HTTP File Upload (1.1): slots requested by IQ on the upload host (upload.D), files
// PUT to and served from that host's own name on the HTTP(S) listeners.
//
// A slot's life: the IQ (§4) checks who asks (allowed_hosts), the size (§5 file-too-large), the
// content type (allow-list) and the owner's quota (in the same storage write as the slot), then
// grants a URL under a fresh 128-bit id and a bearer token only the requester learns (the
// <header name='Authorization'/> of §4). The PUT (§6) must carry that token (403 otherwise: a slot
// is bound to the account that asked), start before the slot expires (410), match the granted
// Content-Length (400) and content type (415), and may run once (409): the claim is one
// conditional UPDATE. The body is streamed to <id>.part on a thread of the module's own, synced,
// renamed to <id>, and only then is the record marked stored and 201 sent. GET serves stored files
// as attachments in a CSP sandbox with nosniff, so nothing uploaded can run in a page of ours.
// A sweep every purge_interval removes unused slots past their time and files past their retention.
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "upload_rules.hpp"
#include "xmppd/asio.hpp"
#include "xmppd/http.hpp"
#include "xmppd/log.hpp"
#include "xmppd/module.hpp"
#include "xmppd/periodic_job.hpp"
#include "xmppd/server.hpp"
#include "xmppd/session.hpp"
#include "xmppd/random.hpp"
#include "xmppd/storage.hpp"
#include "xmppd/visitor_conversation.hpp"

namespace xmppd {
namespace {

namespace fs = std::filesystem;
using namespace upload;

constexpr char kUpload[] = "urn:xmpp:http:upload:0";  // XEP-0363

std::string expand_host(const std::string& pattern, const std::string& upload_host) {
  // "{domain}" is the upload host without its first label (D for upload.D), as in visitor_policy.
  auto dot = upload_host.find('.');
  std::string domain = dot == std::string::npos ? upload_host : upload_host.substr(dot + 1);
  std::string out = pattern;
  if (auto at = out.find("{domain}"); at != std::string::npos) out.replace(at, 8, domain);
  return out;
}

std::string sha256(std::string_view data) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out);
  return std::string(reinterpret_cast<char*>(out), sizeof out);
}

std::int64_t us(std::chrono::milliseconds d) { return std::int64_t(d.count()) * 1000; }

struct State {
  Server& server;
  std::string host;
  std::uint64_t max_file_size, quota, visitor_quota;
  std::vector<std::string> content_types, allowed_hosts;
  std::string conversations_host;  // where VisitorConversations is asked; '' : per visitor session
  std::chrono::milliseconds slot_lifetime, retention, purge_interval;
  std::string public_url;  // without a trailing slash
  std::string directory;
  // Blocking file work (writes, fsync, rename, unlink) stays off the I/O thread.
  asio::thread_pool files{1};
  bool stopped = false;  // the module is going: erasures and sweeps stop between slices

  std::string path_of(const std::string& id) const { return directory + "/" + id; }
};

// Runs `f` on the file thread; the awaiting coroutine resumes on its own executor when it is
// done (its exception rethrown there). Callers pass lambdas that capture by reference (the
// awaiting coroutine's frame outlives the work): GCC 12 destroys a temporary of a co_await
// expression twice, which for a lambda holding a std::string was a double free.
template <class F>
Task<void> on_file_thread(State& st, F f) {
  return asio::async_initiate<const asio::use_awaitable_t<>, void(std::exception_ptr)>(
      [&st](auto handler, F work) {
        asio::post(st.files, [handler = std::move(handler), work = std::move(work)]() mutable {
          std::exception_ptr error;
          try {
            work();
          } catch (...) {
            error = std::current_exception();
          }
          auto home = asio::get_associated_executor(handler);
          asio::post(home, [handler = std::move(handler), error]() mutable { handler(error); });
        });
      },
      asio::use_awaitable, std::move(f));
}

void remove_files(const std::string& path) {
  ::unlink(path.c_str());
  ::unlink((path + ".part").c_str());
}

// XEP-0363 §5: the requested size is above the limit.
StanzaError file_too_large(std::uint64_t max) {
  Element app("file-too-large", kUpload);
  app.add_child("max-file-size", kUpload).add_text(std::to_string(max));
  return StanzaError{"modify", "not-acceptable", "File too large. The maximum file size is " + std::to_string(max) + " bytes",
                     std::move(app)};
}

// XEP-0363 §4: a slot for the requester, or the §5 error.
Task<IqResult> request_slot(std::shared_ptr<State> st, const IqRequest& req) {
  const Element& r = req.payload;
  if (r.name() != "request") co_return StanzaError::bad_request();
  // Who may upload: accounts and visitors of the configured hosts, nobody else (§5 not-allowed).
  bool host_allowed = false;
  for (const auto& h : st->allowed_hosts)
    if (req.from.domain() == h) host_allowed = true;
  if (!host_allowed || !req.origin)
    co_return StanzaError{"cancel", "not-allowed", "Uploads are only for accounts of this service", {}};
  bool visitor = req.origin->anonymous();
  // Issue 4: a visitor's quota is per conversation, not per session (a reload makes a new
  // anonymous JID). Where the livechat service runs, a visitor uploads only within an open
  // conversation; the file then carries the conversation's client id (issue 6: every personal
  // record names its client, for export and erasure).
  std::string owner = req.from.bare_str(), client;
  if (visitor && !st->conversations_host.empty()) {
    if (auto* conversations = st->server.service<VisitorConversations>(st->conversations_host)) {
      auto in = conversations->conversation_of(req.from);
      if (!in) co_return StanzaError{"cancel", "not-allowed", "Files can be sent only within a conversation", {}};
      owner = in->room.bare_str();
      client = in->client;
    }
  }

  auto filename = clean_filename(r.attr("filename"));
  if (!filename) co_return StanzaError::bad_request("the filename attribute is missing or empty");
  std::string_view size_text = r.attr("size");
  std::int64_t size = -1;
  if (!size_text.empty() && size_text.size() <= 18 &&
      size_text.find_first_not_of("0123456789") == std::string_view::npos)
    size = std::stoll(std::string(size_text));
  if (size <= 0) co_return StanzaError::bad_request("the size attribute must be a positive number of bytes");
  if (static_cast<std::uint64_t>(size) > st->max_file_size) co_return file_too_large(st->max_file_size);
  auto type = normalise_content_type(r.attr("content-type"));
  if (!type) co_return StanzaError::bad_request("the content-type attribute is malformed");
  if (!content_type_allowed(st->content_types, *type))
    co_return StanzaError::not_acceptable("Files of type " + *type + " are not accepted here");

  UploadRecord slot;
  slot.host = st->host;
  slot.id = to_hex(random_bytes(16));  // 128 bits: the path cannot be guessed (§8)
  std::string token = to_hex(random_bytes(32));
  slot.owner = owner;
  slot.client = client;
  slot.filename = *filename;
  slot.content_type = *type;
  slot.size = size;
  slot.token_hash = sha256(token);
  slot.created_us = st->server.now_us();
  slot.slot_expires_us = slot.created_us + us(st->slot_lifetime);
  slot.expires_us = slot.slot_expires_us;
  std::uint64_t quota = visitor ? st->visitor_quota : st->quota;
  if (!co_await st->server.storage().uploads().create_slot(slot, quota))
    co_return StanzaError{"wait", "resource-constraint", "Quota reached: remove older files or wait until they expire", {}};

  std::string url = st->public_url + "/" + slot.id + "/" + percent_encode(*filename);
  Element result("slot", kUpload);
  Element& put = result.add_child("put", kUpload);
  put.set_attr("url", url);
  put.add_child("header", kUpload).set_attr("name", "Authorization").add_text("Bearer " + token);
  result.add_child("get", kUpload).set_attr("url", url);
  co_return IqResult::ok(std::move(result));
}

void add_cors(const HttpRequest& r, HttpResponse& res) {
  // The widget on a configured site uploads from its page (Fetch standard CORS).
  if (!r.origin_allowed) return;
  res.headers.emplace_back("Access-Control-Allow-Origin", std::string(r.header("origin")));
  res.headers.emplace_back("Vary", "Origin");
}

HttpResponse answer(const HttpRequest& r, int status, std::string text) {
  HttpResponse res = HttpResponse::text(status, std::move(text) + "\n");
  add_cors(r, res);
  return res;
}

Task<HttpResponse> serve_file(std::shared_ptr<State> st, const HttpRequest& r) {
  if (r.method == "OPTIONS") {
    HttpResponse res;
    res.status = 204;
    res.content_type.clear();
    add_cors(r, res);
    if (r.origin_allowed) {
      res.headers.emplace_back("Access-Control-Allow-Methods", "GET, HEAD, PUT");
      res.headers.emplace_back("Access-Control-Allow-Headers", "Authorization, Content-Type");
      res.headers.emplace_back("Access-Control-Max-Age", "600");
    }
    co_return res;
  }
  auto id = file_id(r.path);
  if (!id) co_return answer(r, 404, "not found");
  auto rec = co_await st->server.storage().uploads().find(st->host, *id);
  if (!rec || rec->state != UploadState::stored || rec->expires_us <= st->server.now_us())
    co_return answer(r, 404, "not found");
  HttpResponse res;
  res.content_type = rec->content_type;
  res.file = st->path_of(*id);
  // Issue 4: a file a visitor uploads can never run script in a consultant's session.
  res.headers.emplace_back("Content-Disposition", content_disposition(rec->filename));
  res.headers.emplace_back("Content-Security-Policy", "sandbox; default-src 'none'");
  res.headers.emplace_back("Cache-Control", "private, max-age=86400");
  res.headers.emplace_back("Referrer-Policy", "no-referrer");
  add_cors(r, res);
  co_return res;
}

// XEP-0363 §6: the PUT of a granted slot.
Task<HttpResponse> receive_file(std::shared_ptr<State> st, const HttpRequest& r, HttpBodyReader& body) {
  auto id = file_id(r.path);
  if (!id) co_return answer(r, 404, "not found");
  UploadStore& uploads = st->server.storage().uploads();
  auto rec = co_await uploads.find(st->host, *id);
  if (!rec) co_return answer(r, 404, "no such upload slot");
  // The token of this slot, and no other: the slot is bound to the account that asked for it.
  std::string_view auth = r.header("authorization");
  std::string expected_prefix = "Bearer ";
  std::string given_hash = sha256(auth.starts_with(expected_prefix) ? auth.substr(expected_prefix.size()) : "");
  if (!auth.starts_with(expected_prefix) ||
      CRYPTO_memcmp(given_hash.data(), rec->token_hash.data(), std::min(given_hash.size(), rec->token_hash.size())) != 0 ||
      given_hash.size() != rec->token_hash.size())
    co_return answer(r, 403, "this upload slot was granted to someone else");
  if (rec->state != UploadState::slot) co_return answer(r, 409, "this upload slot has been used");
  std::int64_t now = st->server.now_us();
  if (now >= rec->slot_expires_us) co_return answer(r, 410, "this upload slot has expired");
  if (body.declared_length() < 0) co_return answer(r, 411, "Content-Length is required");
  if (body.declared_length() != rec->size)
    co_return answer(r, 400, "Content-Length does not match the size of the slot");
  if (auto type = normalise_content_type(r.header("content-type"));
      !r.header("content-type").empty() && (!type || *type != rec->content_type))
    co_return answer(r, 415, "Content-Type does not match the slot's");
  if (!co_await uploads.claim(st->host, *id, now, now + us(st->retention)))
    co_return answer(r, 409, "this upload slot has been used");

  std::string path = st->path_of(*id);
  std::string part = path + ".part";
  int fd = -1;
  bool complete = false;
  std::optional<HttpResponse> failed;
  try {
    co_await on_file_thread(*st, [&] {
      fd = ::open(part.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      if (fd < 0) throw std::runtime_error(std::string("cannot create an upload file: ") + std::strerror(errno));
    });
    std::int64_t written = 0;
    for (;;) {
      std::string piece = co_await body.read();
      if (piece.empty()) break;
      written += std::int64_t(piece.size());
      co_await on_file_thread(*st, [&] {
        std::size_t off = 0;
        while (off < piece.size()) {
          ssize_t n = ::write(fd, piece.data() + off, piece.size() - off);
          if (n < 0 && errno == EINTR) continue;
          if (n < 0) throw std::runtime_error(std::string("cannot write an upload file: ") + std::strerror(errno));
          off += std::size_t(n);
        }
      });
    }
    if (written != rec->size) throw HttpBodyError("the body is shorter than its Content-Length");
    // Durable before 201 (§6: the file is then ready to be served).
    co_await on_file_thread(*st, [&] {
      if (::fsync(fd) != 0) throw std::runtime_error(std::string("cannot sync an upload file: ") + std::strerror(errno));
      ::close(fd);
      fd = -1;
      if (::rename(part.c_str(), path.c_str()) != 0)
        throw std::runtime_error(std::string("cannot store an upload file: ") + std::strerror(errno));
    });
    co_await uploads.set_state(st->host, *id, UploadState::stored);
    complete = true;
  } catch (const HttpBodyError& e) {
    failed = answer(r, 400, e.what());
  } catch (const std::exception& e) {
    log::error("upload", "an upload failed: ", e.what());
    failed = answer(r, 500, "the file could not be stored");
  }
  if (!complete) {
    // The slot is spent; the client may ask for a new one (§6).
    co_await on_file_thread(*st, [&fd, &path] {
      if (fd >= 0) ::close(fd);
      remove_files(path);
    });
    try {
      co_await uploads.remove(st->host, *id);
    } catch (const std::exception& e) {
      log::error("upload", "cannot remove a failed upload's record (the sweep will): ", e.what());
    }
    co_return std::move(*failed);
  }
  HttpResponse res = answer(r, 201, "created");
  co_return res;
}

// Erasure: a deleted account's files and slots go with it (GDPR Art. 17; DESIGN.md privacy), in
// slices like the sweep. A visitor's files follow their conversation's retention instead.
Task<void> remove_owner(std::shared_ptr<State> st, std::string owner) {
  try {
    UploadStore& uploads = st->server.storage().uploads();
    std::size_t removed = 0;
    for (;;) {
      auto files = co_await uploads.owned_by(st->host, owner, 500);
      for (const auto& rec : files) {
        std::string path = st->path_of(rec.id);
        co_await on_file_thread(*st, [&path] { remove_files(path); });
        co_await uploads.remove(st->host, rec.id);
      }
      removed += files.size();
      if (files.size() < 500 || st->stopped) break;
    }
    if (removed) log::info("upload", "removed ", removed, " uploads of a deleted account");
  } catch (const std::exception& e) {
    log::error("upload", "uploads of a deleted account not removed (retention will): ", e.what());
  }
}

// Retention (DESIGN.md privacy, data class `upload`): unused slots past their time and files
// past files_expire_after go, a slice at a time.
Task<void> sweep(std::shared_ptr<State> st) {
  UploadStore& uploads = st->server.storage().uploads();
  for (;;) {
    auto due = co_await uploads.expired(st->host, st->server.now_us(), 500);
    for (const auto& rec : due) {
      std::string path = st->path_of(rec.id);
      co_await on_file_thread(*st, [&path] { remove_files(path); });
      co_await uploads.remove(st->host, rec.id);
    }
    if (!due.empty()) log::info("upload", "removed ", due.size(), " expired uploads and slots");
    if (due.size() < 500 || st->stopped) break;
  }
}

std::shared_ptr<State> make_state(ModuleContext& ctx) {
  const Options& o = ctx.options();
  // Built in place: the thread pool cannot be moved.
  auto st = std::shared_ptr<State>(new State{ctx.server(), ctx.host(), o.bytes("max_file_size"), o.bytes("quota"),
                                          o.bytes("visitor_quota"), o.strings("content_types"), {}, {},
                                          o.duration("slot_expires_after"), o.duration("files_expire_after"),
                                          o.duration("purge_interval"), o.string("public_url"),
                                          o.string("directory")});
  for (const auto& h : o.strings("allowed_hosts")) st->allowed_hosts.push_back(expand_host(h, ctx.host()));
  if (auto h = o.string("conversations_host"); !h.empty()) st->conversations_host = expand_host(h, ctx.host());
  for (auto& t : st->content_types)
    for (char& c : t) c = char(std::tolower(static_cast<unsigned char>(c)));
  if (st->public_url.empty()) st->public_url = "https://" + ctx.host();
  while (st->public_url.ends_with("/")) st->public_url.pop_back();
  if (st->directory.empty()) st->directory = (fs::path(ctx.server().data_dir()) / "upload" / ctx.host()).string();
  std::error_code ec;
  fs::create_directories(st->directory, ec);
  if (ec) throw std::runtime_error("upload: cannot create " + st->directory + ": " + ec.message());
  fs::permissions(st->directory, fs::perms::owner_all, ec);
  return st;
}

class UploadModule final : public Module {
 public:
  explicit UploadModule(ModuleContext& ctx) : st_(make_state(ctx)) {
    // XEP-0363 §3: identity, feature and the XEP-0128 form with max-file-size.
    ctx.add_identity("store", "file", "HTTP File Upload");
    ctx.add_feature(kUpload);
    Element form("x", "jabber:x:data");
    form.set_attr("type", "result");
    Element& ft = form.add_child("field", "jabber:x:data");
    ft.set_attr("var", "FORM_TYPE").set_attr("type", "hidden");
    ft.add_child("value", "jabber:x:data").add_text(kUpload);
    Element& max = form.add_child("field", "jabber:x:data");
    max.set_attr("var", "max-file-size");
    max.add_child("value", "jabber:x:data").add_text(std::to_string(st_->max_file_size));
    ctx.add_disco_extension(std::move(form));

    auto st = st_;
    ctx.on_iq(IqType::get, kUpload, IqScope::host, [st](const IqRequest& req) { return request_slot(st, req); });

    HttpRoute route;
    route.host = ctx.host();
    route.path = "/";
    route.prefix = true;
    route.methods = {"GET", "HEAD", "PUT", "OPTIONS"};
    route.max_body = st_->max_file_size;
    route.handler = [st](const HttpRequest& r) { return serve_file(st, r); };
    route.stream_handler = [st](const HttpRequest& r, HttpBodyReader& body) { return receive_file(st, r, body); };
    ctx.add_http_route(std::move(route));

    sweep_.emplace(st_->server, st_->purge_interval, [st] { return sweep(st); }, "upload sweep");
    ctx.on<AccountDeleted>(priority::kNormal, [st](AccountDeleted& ev) {
      st->server.spawn(remove_owner(st, ev.username + "@" + ev.host), "upload erasure");
    });
  }
  ~UploadModule() override { st_->stopped = true; }

 private:
  std::shared_ptr<State> st_;
  std::optional<PeriodicJob> sweep_;  // last: stopped before the state it uses goes
};

ModuleInfo describe() {
  ModuleInfo m;
  m.name = "upload";
  m.summary = "XEP-0363 HTTP file upload on its own host name";
  m.xeps = {"XEP-0363 1.1.0 complete (slots, PUT, GET; Authorization header per slot)",
            "XEP-0128 1.0 (max-file-size in disco#info)"};
  m.options = {
      {"max_file_size", OptionType::bytes, "10MiB", 1, INT64_MAX, "largest file; larger slot requests get file-too-large"},
      {"quota", OptionType::bytes, "100MiB", 0, INT64_MAX, "bytes of slots and files an account may hold at once"},
      {"visitor_quota", OptionType::bytes, "20MiB", 0, INT64_MAX,
       "the same for one visitor's conversation (all its sessions together; see conversations_host)"},
      {"content_types", OptionType::string_list,
       "image/jpeg\x1fimage/png\x1fimage/gif\x1fimage/webp\x1f" "application/pdf\x1ftext/plain\x1f"
       "application/vnd.openxmlformats-officedocument.wordprocessingml.document\x1f"
       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\x1f"
       "application/vnd.oasis.opendocument.text\x1f" "application/vnd.oasis.opendocument.spreadsheet\x1f"
       "application/msword\x1f" "application/vnd.ms-excel",
       0, INT64_MAX, "content types a slot may be granted for (\"image/*\" for a whole family; [] for any)"},
      {"conversations_host", OptionType::string, "chat.{domain}", 0, INT64_MAX,
       "the livechat host that says which conversation a visitor is in: a visitor's quota counts per "
       "conversation there, and a visitor outside a conversation may not upload (\"\": per session)"},
      {"allowed_hosts", OptionType::string_list, "{domain}\x1fguest.{domain}", 0, INT64_MAX,
       "hosts whose users may upload; {domain} is this host without its first label"},
      {"slot_expires_after", OptionType::duration, "60s", 1000, INT64_MAX,
       "how long a granted slot may wait for its PUT (XEP-0363 §7 recommends about 60 s)"},
      {"files_expire_after", OptionType::duration, "30d", 60000, INT64_MAX,
       "retention of uploaded files (data class upload); then they are deleted"},
      {"purge_interval", OptionType::duration, "1h", 1000, INT64_MAX, "how often expired slots and files are removed"},
      {"public_url", OptionType::string, "", 0, INT64_MAX,
       "base of the slot URLs, e.g. https://upload.example.org (default https://<this host>)"},
      {"directory", OptionType::string, "", 0, INT64_MAX, "where files are kept (default <data_dir>/upload/<host>)"},
  };
  m.default_hosts = {"upload"};
  m.create = [](ModuleContext& ctx) { return std::make_unique<UploadModule>(ctx); };
  return m;
}

XMPPD_REGISTER_MODULE(describe);

}  // namespace
}  // namespace xmppd
