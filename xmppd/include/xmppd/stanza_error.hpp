// Stanza errors (RFC 6120 §8.3) as values, and the error reply built from a stanza.
#pragma once
#include <string>

#include "xmppd/element.hpp"

namespace xmppd {

struct StanzaError {
  std::string type;       // RFC 6120 §8.3.2: auth | cancel | continue | modify | wait
  std::string condition;  // RFC 6120 §8.3.3, e.g. "service-unavailable"
  std::string text;       // optional human-readable text; never personal data
  Element app_specific;   // optional application-specific condition (empty name = none)

  static StanzaError bad_request(std::string text = {}) { return {"modify", "bad-request", std::move(text), {}}; }
  static StanzaError service_unavailable() { return {"cancel", "service-unavailable", {}, {}}; }
  static StanzaError feature_not_implemented() { return {"cancel", "feature-not-implemented", {}, {}}; }
  static StanzaError item_not_found() { return {"cancel", "item-not-found", {}, {}}; }
  static StanzaError forbidden() { return {"auth", "forbidden", {}, {}}; }
  static StanzaError not_allowed() { return {"cancel", "not-allowed", {}, {}}; }
  static StanzaError not_acceptable(std::string text = {}) { return {"modify", "not-acceptable", std::move(text), {}}; }
  static StanzaError jid_malformed() { return {"modify", "jid-malformed", {}, {}}; }
  static StanzaError internal_server_error() { return {"cancel", "internal-server-error", {}, {}}; }
  static StanzaError resource_constraint() { return {"wait", "resource-constraint", {}, {}}; }
  static StanzaError policy_violation(std::string text = {}) { return {"modify", "policy-violation", std::move(text), {}}; }
  static StanzaError remote_server_not_found() { return {"cancel", "remote-server-not-found", {}, {}}; }
  static StanzaError recipient_unavailable() { return {"wait", "recipient-unavailable", {}, {}}; }
  static StanzaError conflict() { return {"cancel", "conflict", {}, {}}; }
  static StanzaError not_authorized() { return {"auth", "not-authorized", {}, {}}; }
};

// The <error/> element of RFC 6120 §8.3.2 (in jabber:client).
Element make_error_element(const StanzaError& error);
// The error reply to `stanza` (RFC 6120 §8.3.1): from/to swapped, type='error', the original
// payload kept for messages and presences, only the error child for IQs.
Element make_error_reply(const Element& stanza, const StanzaError& error);
// RFC 6120 §8.3.1: never answer an error with an error.
bool is_error_stanza(const Element& stanza);

}  // namespace xmppd
