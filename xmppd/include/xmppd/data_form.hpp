// XEP-0004 Data Forms 2.13: building a form or result (§3.1, §3.3 field types) and reading the
// values of a submitted one (§3.4), for modules that speak forms (e.g. XEP-0050 commands).
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "xmppd/element.hpp"
#include "xmppd/namespaces.hpp"

namespace xmppd::form {

// <x xmlns='jabber:x:data' type='form|result'> with a title and instructions (§3.1).
inline Element make(std::string_view type, std::string title, std::string instructions = {}) {
  Element x("x", ns::kDataForms);
  x.set_attr("type", std::string(type));
  if (!title.empty()) x.add_child("title", ns::kDataForms).add_text(std::move(title));
  if (!instructions.empty()) x.add_child("instructions", ns::kDataForms).add_text(std::move(instructions));
  return x;
}

// A field of §3.3 type `type` (text-single, text-multi, list-single, boolean, fixed, hidden …).
inline Element& field(Element& x, std::string var, std::string_view type, std::string label = {},
                      std::string value = {}, bool required = false) {
  Element& f = x.add_child("field", ns::kDataForms);
  if (!var.empty()) f.set_attr("var", std::move(var));
  f.set_attr("type", std::string(type));
  if (!label.empty()) f.set_attr("label", std::move(label));
  if (required) f.add_child("required", ns::kDataForms);
  if (!value.empty()) f.add_child("value", ns::kDataForms).add_text(std::move(value));
  return f;
}

// An <option label><value/></option> of a list field.
inline void option(Element& field, std::string value, std::string label = {}) {
  Element& o = field.add_child("option", ns::kDataForms);
  if (!label.empty()) o.set_attr("label", std::move(label));
  o.add_child("value", ns::kDataForms).add_text(std::move(value));
}

// The values of field `var` of a submitted form (several for text-multi / list-multi).
inline std::vector<std::string> values(const Element& x, std::string_view var) {
  std::vector<std::string> out;
  for (const Element* f : x.elements("field", ns::kDataForms))
    if (f->attr("var") == var)
      for (const Element* v : f->elements("value", ns::kDataForms)) out.push_back(v->text());
  return out;
}

// The first value of `var`, "" when absent; text-multi values joined by newlines.
inline std::string value(const Element& x, std::string_view var) {
  auto v = values(x, var);
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? "\n" : "") + v[i];
  return out;
}

// A boolean field (§3.3: "0"/"1"/"false"/"true").
inline bool boolean(const Element& x, std::string_view var) {
  std::string v = value(x, var);
  return v == "1" || v == "true";
}

}  // namespace xmppd::form
