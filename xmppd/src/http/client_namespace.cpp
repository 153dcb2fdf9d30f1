// Declaring jabber:client on elements the web transports carry one by one: see client_namespace.hpp.
#include "http/client_namespace.hpp"

#include <string_view>

namespace xmppd {

std::string with_client_namespace(std::string xml) {
  // Scan the start tag's attributes (our own serialisation: quoted values, no '>' in names).
  std::size_t i = 1;
  while (i < xml.size() && xml[i] != ' ' && xml[i] != '/' && xml[i] != '>') ++i;
  std::size_t name_end = i;
  while (i < xml.size()) {
    while (i < xml.size() && xml[i] == ' ') ++i;
    if (i >= xml.size() || xml[i] == '/' || xml[i] == '>') break;
    std::size_t eq = xml.find('=', i);
    if (eq == std::string::npos || eq + 1 >= xml.size()) break;
    if (std::string_view(xml).substr(i, eq - i) == "xmlns") return xml;
    char quote = xml[eq + 1];
    std::size_t close = xml.find(quote, eq + 2);
    if (close == std::string::npos) break;
    i = close + 1;
  }
  xml.insert(name_end, " xmlns='jabber:client'");
  return xml;
}

}  // namespace xmppd
