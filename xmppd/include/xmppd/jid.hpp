// JIDs prepared and compared as RFC 7622 says (PRECIS, RFC 8264/8265; IDNA2008 via UTS #46).
#pragma once
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace xmppd {

namespace precis {
// RFC 7622 §3.3: UsernameCaseMapped profile (RFC 8265 §3.3). nullopt when not allowed.
std::optional<std::string> prepare_localpart(std::string_view in);
// RFC 7622 §3.4: OpaqueString profile (RFC 8265 §4.2).
std::optional<std::string> prepare_resourcepart(std::string_view in);
// RFC 7622 §3.2: UTS #46 nontransitional processing, output in Unicode (U-labels), lowercase,
// trailing dot removed; IP literals allowed.
std::optional<std::string> prepare_domainpart(std::string_view in);
// RFC 4013 SASLprep (stored and query strings as the SCRAM RFCs require).
std::optional<std::string> saslprep(std::string_view in);
}  // namespace precis

class Jid {
 public:
  Jid() = default;
  // Parses and prepares "local@domain/resource" (RFC 7622 §3.1); nullopt when malformed.
  static std::optional<Jid> parse(std::string_view text);
  // Builds from parts that are prepared here; nullopt when any part is not allowed.
  static std::optional<Jid> from_parts(std::string_view local, std::string_view domain,
                                       std::string_view resource = {});

  const std::string& local() const { return local_; }
  const std::string& domain() const { return domain_; }
  const std::string& resource() const { return resource_; }
  bool empty() const { return domain_.empty(); }
  bool is_bare() const { return resource_.empty(); }
  bool is_domain() const { return local_.empty() && resource_.empty(); }

  Jid bare() const;
  Jid with_resource(std::string resource_prepared) const;
  std::string str() const;
  std::string bare_str() const;

  friend bool operator==(const Jid&, const Jid&) = default;

 private:
  std::string local_, domain_, resource_;
};

}  // namespace xmppd

template <>
struct std::hash<xmppd::Jid> {
  std::size_t operator()(const xmppd::Jid& j) const noexcept {
    return std::hash<std::string>{}(j.str());
  }
};
