// XEP-0060 node configuration as data forms (XEP-0004): the publish-options of §7.1.5 and the
// pubsub#node_config form of §8.2, restricted to the fields PEP nodes here have.
#pragma once
#include <optional>
#include <string>
#include <variant>

#include "xmppd/element.hpp"
#include "xmppd/stanza_error.hpp"
#include "xmppd/storage.hpp"

namespace xmppd::pep {

// The fields a form asked for; unset ones are left as they are.
struct ConfigRequest {
  std::optional<std::string> access_model;
  std::optional<bool> persist_items;
  std::optional<std::int64_t> max_items;  // 0: "max"
  std::optional<bool> send_last;
};

// Parses a submitted form of FORM_TYPE `form_type`. Fields a PEP node here cannot have (another
// access model, notifications switched off, an unknown field) give `unsupported`.
struct ParsedForm {
  ConfigRequest request;
  bool unsupported = false;
};
std::variant<ParsedForm, StanzaError> parse_config_form(const Element& x, std::string_view form_type);

// §7.1.5: does the node's configuration already satisfy what the publisher asked for?
bool satisfies(const PepNodeConfig& config, const ConfigRequest& request);
PepNodeConfig apply(PepNodeConfig config, const ConfigRequest& request);

// §8.2.1: the node's configuration as a form (type 'form').
Element config_form(const PepNodeConfig& config);

}  // namespace xmppd::pep
