// The element tree and its serialiser (RFC 6120 §11: restricted XML, rebuilt from the tree).
#include "xmppd/element.hpp"

#include <boost/container/small_vector.hpp>

#include <algorithm>

#include "xmppd/namespaces.hpp"

namespace xmppd {

Element Element::text_node(std::string text) {
  Element e;
  e.text_ = std::move(text);
  return e;
}

const std::string* Element::find_attr(std::string_view key) const {
  for (const auto& [k, v] : attrs_)
    if (k == key) return &v;
  return nullptr;
}

std::string_view Element::attr(std::string_view key) const {
  const std::string* v = find_attr(key);
  return v ? std::string_view(*v) : std::string_view();
}

Element& Element::set_attr(std::string_view key, std::string value) {
  for (auto& [k, v] : attrs_)
    if (k == key) {
      v = std::move(value);
      return *this;
    }
  attrs_.emplace_back(std::string(key), std::move(value));
  return *this;
}

void Element::remove_attr(std::string_view key) {
  std::erase_if(attrs_, [&](const Attribute& a) { return a.first == key; });
}

Element& Element::add(Element child) { return children_.emplace_back(std::move(child)); }

Element& Element::add_child(std::string name, std::string ns) {
  return children_.emplace_back(std::move(name), std::move(ns));
}

Element& Element::add_text(std::string text) {
  if (!text.empty()) children_.push_back(text_node(std::move(text)));
  return *this;
}

const Element* Element::child(std::string_view name, std::string_view ns) const {
  for (const auto& c : children_)
    if (!c.is_text() && c.name_ == name && c.ns_ == ns) return &c;
  return nullptr;
}

Element* Element::child(std::string_view name, std::string_view ns) {
  for (auto& c : children_)
    if (!c.is_text() && c.name_ == name && c.ns_ == ns) return &c;
  return nullptr;
}

const Element* Element::first_child_element() const {
  for (const auto& c : children_)
    if (!c.is_text()) return &c;
  return nullptr;
}

std::size_t Element::element_count() const {
  return std::count_if(children_.begin(), children_.end(),
                       [](const Element& c) { return !c.is_text(); });
}

void Element::remove_children(std::string_view name, std::string_view ns) {
  std::erase_if(children_, [&](const Element& c) { return !c.is_text() && c.is(name, ns); });
}

std::vector<const Element*> Element::elements(std::string_view name, std::string_view ns) const {
  std::vector<const Element*> out;
  for (const auto& c : children_)
    if (!c.is_text() && c.name_ == name && c.ns_ == ns) out.push_back(&c);
  return out;
}

std::string Element::text() const {
  if (is_text()) return text_;
  std::string out;
  for (const auto& c : children_)
    if (c.is_text()) out += c.text_;
  return out;
}

std::string Element::child_text(std::string_view name, std::string_view ns) const {
  const Element* c = child(name, ns);
  return c ? c->text() : std::string();
}

void append_escaped(std::string& out, std::string_view text, bool attribute) {
  // Runs of characters that need no escaping (nearly all of a message) go in one append; the
  // loop below sees only the few that do (issue 3: serialising is on every delivery).
  const char* special = attribute ? "&<>\"'\n\r\t" : "&<>\r";
  while (!text.empty()) {
    std::size_t plain = text.find_first_of(special);
    if (plain == std::string_view::npos) plain = text.size();
    out.append(text.data(), plain);
    text.remove_prefix(plain);
    if (text.empty()) break;
    char ch = text.front();
    text.remove_prefix(1);
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': if (attribute) out += "&quot;"; else out += ch; break;
      case '\'': if (attribute) out += "&apos;"; else out += ch; break;
      // Keep attribute whitespace as it was (XML attribute-value normalisation, §3.3.3).
      case '\n': if (attribute) out += "&#xA;"; else out += ch; break;
      case '\r': out += "&#xD;"; break;
      case '\t': if (attribute) out += "&#x9;"; else out += ch; break;
      default: out += ch;
    }
  }
}

namespace {
// The namespaces a stream's content may be in: a stanza in any of them is written without an
// xmlns when it goes into a stream whose default namespace is one of them (RFC 6120 §4.8.3).
bool is_content_ns(std::string_view ns) {
  return ns == ns::kClient || ns == ns::kServer || ns == ns::kComponent;
}
}  // namespace

void Element::append_to(std::string& out, std::string_view parent_ns) const {
  // Iterative walk: the depth of a stanza is bounded by the parser, but serialising without
  // recursion keeps stack use independent of it.
  struct Frame {
    const Element* e;
    std::size_t next;
    std::string_view ns_in_scope;
  };
  // Stanzas are a few levels deep: no allocation for the walk itself below 8 levels.
  boost::container::small_vector<Frame, 8> stack;
  auto open = [&](const Element& e, std::string_view scope) -> std::string_view {
    out += '<';
    out += e.name_;
    std::string_view own = e.ns_;
    bool same = own == scope || (is_content_ns(own) && is_content_ns(scope) && !scope.empty());
    if (!same) {
      // An element in no namespace inside a namespaced one undeclares the default (xmlns='').
      out += " xmlns=\"";
      append_escaped(out, own, true);
      out += '"';
    }
    int prefix_no = 0;
    for (const auto& [k, v] : e.attrs_) {
      auto sep = k.find('\xff');
      out += ' ';
      if (sep == std::string::npos) {
        out += k;
      } else {
        std::string prefix = "ns" + std::to_string(prefix_no++);
        out += "xmlns:" + prefix + "=\"";
        append_escaped(out, std::string_view(k).substr(0, sep), true);
        out += "\" " + prefix + ":" + k.substr(sep + 1);
      }
      out += "=\"";
      append_escaped(out, v, true);
      out += '"';
    }
    std::string_view scope_for_children = same ? scope : own;
    if (e.children_.empty()) {
      out += "/>";
    } else {
      out += '>';
    }
    return scope_for_children;
  };
  if (is_text()) {
    append_escaped(out, text_, false);
    return;
  }
  stack.push_back({this, 0, open(*this, parent_ns)});
  if (children_.empty()) return;
  while (!stack.empty()) {
    Frame& f = stack.back();
    if (f.next == f.e->children_.size()) {
      out += "</";
      out += f.e->name_;
      out += '>';
      stack.pop_back();
      continue;
    }
    const Element& c = f.e->children_[f.next++];
    if (c.is_text()) {
      append_escaped(out, c.text_, false);
    } else {
      std::string_view scope = open(c, f.ns_in_scope);
      if (!c.children_.empty()) stack.push_back({&c, 0, scope});
    }
  }
}

std::string Element::to_string(std::string_view parent_ns) const {
  std::string out;
  out.reserve(256);  // a typical stanza: one allocation instead of growing four times
  append_to(out, parent_ns);
  return out;
}

}  // namespace xmppd
