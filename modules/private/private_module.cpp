// XEP-0049 Private XML Storage (jabber:iq:private): an account keeps XML fragments, one per
// namespace, that only it can read back; kept in the XmlStore under "private:<namespace>".
#include <string_view>

#include "xmppd/log.hpp"
#include "xmppd/module.hpp"
#include "xmppd/namespaces.hpp"
#include "xmppd/server.hpp"
#include "xmppd/session.hpp"
#include "xmppd/storage.hpp"

namespace xmppd {
namespace {

// The XmlStore key column holds 255 characters (schema 0004); "private:" takes 8 of them.
constexpr std::size_t kMaxNamespaceBytes = 240;

// What a handler needs, copied into it: a handler may still run after the module stopped.
struct PrivateConfig {
  Server* server;
  std::string host;
  std::uint64_t max_size;
};

// XEP-0049 §2.3: the fragment's root must be "scoped by its own namespace". An unqualified
// child inherits jabber:iq:private; the stanza namespaces are not a fragment's own either.
bool acceptable_namespace(std::string_view n) {
  return !n.empty() && n != ns::kPrivate && n != ns::kClient && n != ns::kServer && n != ns::kComponent &&
         n.size() <= kMaxNamespaceBytes;
}

std::string store_key(std::string_view n) { return "private:" + std::string(n); }

std::vector<const Element*> child_elements(const Element& e) {
  std::vector<const Element*> out;
  for (const auto& c : e.children())
    if (!c.is_text()) out.push_back(&c);
  return out;
}

// The checks both methods share; nullopt when the request may go on.
std::optional<StanzaError> check(const IqRequest& req, const std::vector<const Element*>& children) {
  // XEP-0049 §2.3, §4: only the account itself, never another entity.
  if (req.from.bare() != req.to.bare()) return StanzaError::forbidden();
  if (req.payload.name() != "query") return StanzaError::bad_request();
  // §2.3: at least one child with a proper namespace, otherwise not-acceptable.
  if (children.empty()) return StanzaError::not_acceptable();
  for (const Element* c : children)
    if (!acceptable_namespace(c->ns())) return StanzaError::not_acceptable();
  return std::nullopt;
}

Task<IqResult> get_private(PrivateConfig cfg, const IqRequest& req) {
  auto children = child_elements(req.payload);
  if (auto error = check(req, children)) co_return *error;
  // §2.3: a client MUST NOT query for more than one namespace in a single get.
  if (children.size() != 1) co_return StanzaError::bad_request("one namespace per request");
  const Element& asked = *children.front();
  auto stored = co_await cfg.server->storage().xml().get(cfg.host, req.from.local(), store_key(asked.ns()));
  if (stored) {
    if (auto query = parse_element(*stored)) co_return IqResult::ok(std::move(*query));
    log::error("private", "stored private XML does not parse; answering as if there were none");
  }
  // Nothing stored: the query with the element asked for, empty (XEP-0049 §2.3 examples).
  Element query("query", ns::kPrivate);
  query.add(Element(asked.name(), asked.ns()));
  co_return IqResult::ok(std::move(query));
}

Task<IqResult> set_private(PrivateConfig cfg, const IqRequest& req) {
  auto children = child_elements(req.payload);
  if (auto error = check(req, children)) co_return *error;
  // §2.3: a set MAY hold several elements, all qualified by the same namespace; the set
  // replaces what was stored for that namespace.
  const std::string& n = children.front()->ns();
  for (const Element* c : children)
    if (c->ns() != n) co_return StanzaError::bad_request("one namespace per request");
  Element query("query", ns::kPrivate);
  for (const Element* c : children) query.add(*c);
  // Stored as re-serialised from the parsed tree, never as the bytes the client sent.
  std::string xml = query.to_string();
  if (xml.size() > cfg.max_size) co_return StanzaError::not_acceptable("private XML too large");
  auto hold_ack = req.origin ? req.origin->defer_ack() : nullptr;  // ack once it is written
  co_await cfg.server->storage().xml().set(cfg.host, req.from.local(), store_key(n), std::move(xml));
  co_return IqResult::ok();
}

class PrivateModule final : public Module {
 public:
  explicit PrivateModule(ModuleContext& ctx) {
    PrivateConfig cfg{&ctx.server(), ctx.host(), ctx.options().bytes("max_size")};
    // XEP-0049 defines no disco feature; advertised as Prosody and ejabberd do, so a client
    // can tell before it stores XEP-0048 bookmarks here.
    ctx.add_feature(ns::kPrivate);
    ctx.on_iq(IqType::get, ns::kPrivate, IqScope::account,
              [cfg](const IqRequest& req) { return get_private(cfg, req); });
    ctx.on_iq(IqType::set, ns::kPrivate, IqScope::account,
              [cfg](const IqRequest& req) { return set_private(cfg, req); });
  }
};

ModuleInfo describe() {
  ModuleInfo m;
  m.name = "private";
  m.summary = "XEP-0049 Private XML Storage";
  m.xeps = {"XEP-0049 1.2 complete"};
  m.options = {
      {"max_size", OptionType::bytes, "64KiB", 1024, 16 * 1024 * 1024,
       "largest fragment an account may store under one namespace (serialised XML)"},
  };
  m.default_hosts = {"accounts"};
  m.create = [](ModuleContext& ctx) { return std::make_unique<PrivateModule>(ctx); };
  return m;
}

XMPPD_REGISTER_MODULE(describe);

}  // namespace
}  // namespace xmppd
