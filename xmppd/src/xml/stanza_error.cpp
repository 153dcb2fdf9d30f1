// Stanza error replies (RFC 6120 §8.3).
#include "xmppd/stanza_error.hpp"

#include "xmppd/namespaces.hpp"

namespace xmppd {

Element make_error_element(const StanzaError& error) {
  Element e("error", ns::kClient);
  e.set_attr("type", error.type);
  e.add_child(error.condition, ns::kStanzaErrors);
  if (!error.text.empty()) {
    e.add_child("text", ns::kStanzaErrors).set_attr("xml:lang", "en").add_text(error.text);
  }
  if (!error.app_specific.name().empty()) e.add(error.app_specific);
  return e;
}

bool is_error_stanza(const Element& stanza) { return stanza.attr("type") == "error"; }

Element make_error_reply(const Element& stanza, const StanzaError& error) {
  Element reply(stanza.name(), ns::kClient);
  for (const auto& [k, v] : stanza.attributes()) {
    if (k == "from" || k == "to" || k == "type") continue;
    reply.set_attr(k, v);
  }
  if (stanza.has_attr("to")) reply.set_attr("from", std::string(stanza.attr("to")));
  if (stanza.has_attr("from")) reply.set_attr("to", std::string(stanza.attr("from")));
  reply.set_attr("type", "error");
  // RFC 6120 §8.3.1: the original payload MAY be included; for IQs we keep only the error, so
  // a large request is not echoed back.
  if (stanza.name() != "iq") {
    for (const auto& c : stanza.children())
      if (!c.is_text() && !c.is("error", ns::kClient)) reply.add(c);
  }
  reply.add(make_error_element(error));
  return reply;
}

}  // namespace xmppd
