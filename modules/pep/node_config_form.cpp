// XEP-0060 §7.1.5 publish-options and §8.2 node configuration forms for PEP nodes.
#include "node_config_form.hpp"

#include <charconv>

#include "pubsub_ns.hpp"
#include "xmppd/namespaces.hpp"

namespace xmppd::pep {
namespace {

// XEP-0004 §3.3 boolean values.
std::optional<bool> parse_bool(std::string_view v) {
  if (v == "1" || v == "true") return true;
  if (v == "0" || v == "false") return false;
  return std::nullopt;
}

std::string field_value(const Element& field) { return field.child_text("value", ns::kDataForms); }

}  // namespace

std::variant<ParsedForm, StanzaError> parse_config_form(const Element& x, std::string_view form_type) {
  if (!x.is("x", ns::kDataForms)) return StanzaError::bad_request("expected a data form");
  std::string_view type = x.attr("type");
  if (type != "submit") return StanzaError::bad_request("the form must be submitted");
  ParsedForm out;
  bool typed = false;
  for (const Element* f : x.elements("field", ns::kDataForms)) {
    std::string_view var = f->attr("var");
    std::string value = field_value(*f);
    if (var == "FORM_TYPE") {
      if (value != form_type) return StanzaError::bad_request("unexpected FORM_TYPE");
      typed = true;
    } else if (var == "pubsub#access_model") {
      // XEP-0163 needs presence; open and whitelist serve XEP-0084 and XEP-0223/0402. The others
      // (roster, authorize) are not offered here.
      if (value != "presence" && value != "open" && value != "whitelist") out.unsupported = true;
      out.request.access_model = value;
    } else if (var == "pubsub#persist_items") {
      auto b = parse_bool(value);
      if (!b) return StanzaError::bad_request("pubsub#persist_items is a boolean");
      out.request.persist_items = *b;
    } else if (var == "pubsub#max_items") {
      if (value == "max") {  // XEP-0060 §16.4.4 (1.15): as many as the service allows
        out.request.max_items = 0;
      } else {
        std::int64_t n = 0;
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
        if (ec != std::errc() || end != value.data() + value.size() || n < 1)
          return StanzaError::bad_request("pubsub#max_items is a positive integer or 'max'");
        out.request.max_items = n;
      }
    } else if (var == "pubsub#send_last_published_item") {
      if (value == "never" || value == "on_sub")  // on_sub: PEP subscriptions are implicit
        out.request.send_last = false;
      else if (value == "on_sub_and_presence")
        out.request.send_last = true;
      else
        out.unsupported = true;
    } else if (var == "pubsub#deliver_notifications" || var == "pubsub#deliver_payloads" ||
               var == "pubsub#notify_retract" || var == "pubsub#notify_delete" || var == "pubsub#presence_based_delivery") {
      // Always on for PEP (XEP-0163 §5); asking for them off cannot be met.
      auto b = parse_bool(value);
      if (!b || !*b) out.unsupported = true;
    } else if (var == "pubsub#title" || var == "pubsub#description" || var == "pubsub#type") {
      // Descriptive only; not kept.
    } else {
      out.unsupported = true;
    }
  }
  if (!typed) return StanzaError::bad_request("the form has no FORM_TYPE");
  return out;
}

bool satisfies(const PepNodeConfig& c, const ConfigRequest& r) {
  if (r.access_model && *r.access_model != c.access_model) return false;
  if (r.persist_items && *r.persist_items != c.persist_items) return false;
  if (r.max_items && *r.max_items != c.max_items) return false;
  if (r.send_last && *r.send_last != c.send_last) return false;
  return true;
}

PepNodeConfig apply(PepNodeConfig c, const ConfigRequest& r) {
  if (r.access_model) c.access_model = *r.access_model;
  if (r.persist_items) c.persist_items = *r.persist_items;
  if (r.max_items) c.max_items = *r.max_items;
  if (r.send_last) c.send_last = *r.send_last;
  return c;
}

Element config_form(const PepNodeConfig& c) {
  Element x("x", ns::kDataForms);
  x.set_attr("type", "form");
  auto field = [&](const char* var, const char* type, std::string value) {
    Element& f = x.add_child("field", ns::kDataForms);
    f.set_attr("var", var);
    if (*type) f.set_attr("type", type);
    f.add_child("value", ns::kDataForms).add_text(std::move(value));
    return &f;
  };
  field("FORM_TYPE", "hidden", kNodeConfig);
  Element* access = field("pubsub#access_model", "list-single", c.access_model);
  for (const char* m : {"presence", "open", "whitelist"})
    access->add_child("option", ns::kDataForms).add_child("value", ns::kDataForms).add_text(m);
  field("pubsub#persist_items", "boolean", c.persist_items ? "1" : "0");
  field("pubsub#max_items", "text-single", c.max_items == 0 ? "max" : std::to_string(c.max_items));
  Element* send = field("pubsub#send_last_published_item", "list-single", c.send_last ? "on_sub_and_presence" : "never");
  for (const char* m : {"never", "on_sub_and_presence"})
    send->add_child("option", ns::kDataForms).add_child("value", ns::kDataForms).add_text(m);
  field("pubsub#deliver_notifications", "boolean", "1");
  return x;
}

}  // namespace xmppd::pep
