// The XML element tree every stanza is held in, and its serialiser (RFC 6120 §11 restricted XML).
//
// Names are stored expanded: namespace URI plus local name. Prefixes from the wire are not kept;
// the serialiser writes default-namespace declarations (and generated prefixes for namespaced
// attributes), so outbound XML is always rebuilt from the tree, never spliced from input.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xmppd {

class Element {
 public:
  // Attribute names are local names, or "URI\xff local" for namespaced attributes
  // (xml:lang is stored as "xml:lang").
  using Attribute = std::pair<std::string, std::string>;

  Element() = default;
  Element(std::string name, std::string ns) : name_(std::move(name)), ns_(std::move(ns)) {}
  static Element text_node(std::string text);

  bool is_text() const { return name_.empty(); }
  const std::string& name() const { return name_; }
  const std::string& ns() const { return ns_; }
  void set_ns(std::string ns) { ns_ = std::move(ns); }
  bool is(std::string_view name, std::string_view ns) const { return name_ == name && ns_ == ns; }

  // Attributes
  const std::vector<Attribute>& attributes() const { return attrs_; }
  std::string_view attr(std::string_view key) const;  // "" when absent
  const std::string* find_attr(std::string_view key) const;
  bool has_attr(std::string_view key) const { return find_attr(key) != nullptr; }
  Element& set_attr(std::string_view key, std::string value);
  void remove_attr(std::string_view key);

  // Children (elements and text nodes, in document order)
  const std::vector<Element>& children() const { return children_; }
  std::vector<Element>& children() { return children_; }
  Element& add(Element child);
  Element& add_child(std::string name, std::string ns);  // returns the new child
  Element& add_text(std::string text);                   // returns *this
  const Element* child(std::string_view name, std::string_view ns) const;
  Element* child(std::string_view name, std::string_view ns);
  const Element* first_child_element() const;
  std::size_t element_count() const;
  void remove_children(std::string_view name, std::string_view ns);
  std::vector<const Element*> elements(std::string_view name, std::string_view ns) const;

  // Concatenated direct text children (for a text node, its own text).
  std::string text() const;
  const std::string& raw_text() const { return text_; }
  void append_raw_text(std::string_view more) { text_.append(more); }  // text nodes only
  std::string child_text(std::string_view name, std::string_view ns) const;

  // Serialise. `parent_ns` is the default namespace in scope: jabber:client stanzas written
  // into a jabber:client stream get no xmlns attribute.
  std::string to_string(std::string_view parent_ns = {}) const;
  void append_to(std::string& out, std::string_view parent_ns = {}) const;

 private:
  std::string name_, ns_, text_;
  std::vector<Attribute> attrs_;
  std::vector<Element> children_;
};

// XML escaping for text and attribute values.
void append_escaped(std::string& out, std::string_view text, bool attribute);

// Parses one complete element from text (what to_string() stored); nullopt when it is not one.
// Restricted XML as on a stream (RFC 6120 §11): no DTD, comments, PIs or entity declarations.
std::optional<Element> parse_element(std::string_view xml);

}  // namespace xmppd
