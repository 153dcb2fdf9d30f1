// Tests of the SASL server side: SCRAM (RFC 5802, 7677), PLAIN (RFC 4616), base64 (RFC 6120
// §6.4.2).
#define BOOST_TEST_MODULE scram
#include "sasl/scram.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/test/unit_test.hpp>
#include <string>
#include <string_view>

using namespace xmppd::sasl;
using namespace std::string_literals;
using namespace std::string_view_literals;

namespace xmppd::sasl {
std::ostream& operator<<(std::ostream& os, Failure f) { return os << failure_name(f); }
}  // namespace xmppd::sasl

namespace {

// RFC 5802 §5 and RFC 7677 §3 examples.
constexpr std::string_view kSha1ClientFirst = "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL";
constexpr std::string_view kSha1ServerNonce = "3rfcNHYJY1ZVvWVs7j";
constexpr std::string_view kSha1ServerFirst =
    "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096";
constexpr std::string_view kSha1ClientFinal =
    "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=";
constexpr std::string_view kSha1ServerFinal = "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=";

constexpr std::string_view kSha256ClientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view kSha256ServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
constexpr std::string_view kSha256ServerFirst =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr std::string_view kSha256ClientFinal =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr std::string_view kSha256ServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

std::string hex(std::string_view raw) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string b64(std::string_view raw) { return base64_encode(raw); }
std::string unb64(std::string_view text) { return base64_decode(text).value(); }

ScramKeys rfc_keys(Hash hash) {
  return hash == Hash::sha1
             ? derive_keys(Hash::sha1, "pencil", unb64("QSXCR+Q6sek8bf92"), 4096)
             : derive_keys(Hash::sha256, "pencil", unb64("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);
}

ScramServer::Options options(Hash hash, std::string server_nonce = "SERVERNONCE") {
  ScramServer::Options o;
  o.hash = hash;
  o.nonce = [server_nonce] { return server_nonce; };
  return o;
}

// The client's side, written independently of the server code from RFC 5802 §3.
struct ClientSide {
  Hash hash = Hash::sha256;
  std::string password = "pencil";
  std::string gs2_header = "n,,";
  std::string cb_data;  // appended to the gs2 header in c=
  std::string client_nonce = "clientnonce";
  std::string username = "user";
  std::string first_extensions;  // e.g. ",x=y", part of client-first-message-bare

  std::string bare() const { return "n=" + username + ",r=" + client_nonce + first_extensions; }
  std::string first() const { return gs2_header + bare(); }

  const EVP_MD* md() const { return hash == Hash::sha1 ? EVP_sha1() : EVP_sha256(); }
  std::string mac(std::string_view key, std::string_view data) const {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(md(), key.data(), int(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
         data.size(), out, &len);
    return std::string(reinterpret_cast<char*>(out), len);
  }

  // Fields of server-first as sent.
  static std::string field(std::string_view server_first, char name) {
    const std::string key = std::string(1, name) + "=";
    auto pos = server_first.find(key);
    BOOST_REQUIRE(pos != std::string_view::npos);
    auto end = server_first.find(',', pos);
    return std::string(
        server_first.substr(pos + 2, end == std::string_view::npos ? end : end - pos - 2));
  }

  std::string final_without_proof(std::string_view server_first) const {
    return "c=" + b64(gs2_header + cb_data) + ",r=" + field(server_first, 'r');
  }

  // Returns client-final and the server-final the client expects.
  std::pair<std::string, std::string> final(std::string_view server_first,
                                            std::string extensions = {}) const {
    const auto salt = unb64(field(server_first, 's'));
    const int iterations = std::stoi(field(server_first, 'i'));
    std::string salted(EVP_MD_get_size(md()), '\0');
    PKCS5_PBKDF2_HMAC(password.data(), int(password.size()),
                      reinterpret_cast<const unsigned char*>(salt.data()), int(salt.size()),
                      iterations, md(), int(salted.size()),
                      reinterpret_cast<unsigned char*>(salted.data()));
    const auto client_key = mac(salted, "Client Key");
    unsigned char stored[EVP_MAX_MD_SIZE];
    unsigned int stored_len = 0;
    EVP_Digest(client_key.data(), client_key.size(), stored, &stored_len, md(), nullptr);
    const auto without_proof = final_without_proof(server_first) + extensions;
    const auto auth_message = bare() + "," + std::string(server_first) + "," + without_proof;
    const auto signature =
        mac(std::string_view(reinterpret_cast<char*>(stored), stored_len), auth_message);
    std::string proof = client_key;
    for (std::size_t i = 0; i < proof.size(); ++i) proof[i] ^= signature[i];
    const auto server_signature = mac(mac(salted, "Server Key"), auth_message);
    return {without_proof + ",p=" + b64(proof), "v=" + b64(server_signature)};
  }
};

bool is_failure(const std::variant<Failure, std::string>& r, Failure f) {
  return std::holds_alternative<Failure>(r) && std::get<Failure>(r) == f;
}
std::string value(const std::variant<Failure, std::string>& r) {
  if (auto f = std::get_if<Failure>(&r)) BOOST_FAIL("unexpected failure " << failure_name(*f));
  return std::get<std::string>(r);
}

// Runs a whole exchange; returns the client_final result.
std::variant<Failure, std::string> run(ScramServer::Options o, const ClientSide& client,
                                       const std::optional<ScramKeys>& keys,
                                       std::string extensions = {}) {
  ScramServer server(std::move(o));
  BOOST_REQUIRE_EQUAL(value(server.client_first(client.first())), client.username);
  const auto server_first = server.server_first(keys);
  BOOST_REQUIRE(!server_first.empty());
  return server.client_final(client.final(server_first, extensions).first);
}

ScramKeys keys_for(Hash hash, std::string_view password, std::uint32_t iterations = 4096) {
  return derive_keys(hash, password, "0123456789abcdef", iterations);
}

std::optional<std::string> tls_exporter_only(std::string_view type) {
  if (type == "tls-exporter") return "\x01\x02\x03 exporter data, 32 bytes long!"s;
  return std::nullopt;
}

ScramServer::Options plus_options() {
  auto o = options(Hash::sha256);
  o.plus = true;
  o.plus_advertised = true;
  o.binding_data = tls_exporter_only;
  return o;
}

Failure client_first_failure(ScramServer::Options o, std::string_view message) {
  ScramServer server(std::move(o));
  const auto r = server.client_first(message);
  BOOST_REQUIRE_MESSAGE(std::holds_alternative<Failure>(r), "accepted: " << message);
  return std::get<Failure>(r);
}

// A server that has sent server-first for the RFC 7677 example, ready for client_final().
ScramServer sha256_server_after_first() {
  ScramServer server(options(Hash::sha256, std::string(kSha256ServerNonce)));
  value(server.client_first(kSha256ClientFirst));
  BOOST_REQUIRE_EQUAL(server.server_first(rfc_keys(Hash::sha256)), kSha256ServerFirst);
  return server;
}

Failure client_final_failure(std::string_view message) {
  auto server = sha256_server_after_first();
  const auto r = server.client_final(message);
  BOOST_REQUIRE_MESSAGE(std::holds_alternative<Failure>(r), "accepted: " << message);
  return std::get<Failure>(r);
}

}  // namespace

// --- RFC test vectors ---

BOOST_AUTO_TEST_CASE(rfc5802_3_derive_keys_matches_sha1_example) {
  const auto keys = rfc_keys(Hash::sha1);
  BOOST_TEST(hex(keys.stored_key) == "e9d94660c39d65c38fbad91c358f14da0eef2bd6");
  BOOST_TEST(hex(keys.server_key) == "0fe09258b3ac852ba502cc62ba903eaacdbf7d31");
  BOOST_TEST(keys.salt == unb64("QSXCR+Q6sek8bf92"));
  BOOST_TEST(keys.iterations == 4096u);
}

BOOST_AUTO_TEST_CASE(rfc7677_3_derive_keys_matches_sha256_example) {
  const auto keys = rfc_keys(Hash::sha256);
  BOOST_TEST(hex(keys.stored_key) ==
             "586e5df283e6dceb5c3e791d8b8528ec191e664045ce971792e2e6b5bb13e2a6");
  BOOST_TEST(hex(keys.server_key) ==
             "c1f3cbc1c13a9d35a14c0990eed97629ea225863e566a4314ab99f3f00e5d9d5");
}

BOOST_AUTO_TEST_CASE(rfc5802_5_sha1_example_produces_the_rfc_server_messages) {
  ScramServer server(options(Hash::sha1, std::string(kSha1ServerNonce)));
  BOOST_TEST(value(server.client_first(kSha1ClientFirst)) == "user");
  BOOST_TEST(server.authzid().empty());
  BOOST_TEST(server.server_first(rfc_keys(Hash::sha1)) == kSha1ServerFirst);
  BOOST_TEST(value(server.client_final(kSha1ClientFinal)) == kSha1ServerFinal);
}

BOOST_AUTO_TEST_CASE(rfc7677_3_sha256_example_produces_the_rfc_server_messages) {
  ScramServer server(options(Hash::sha256, std::string(kSha256ServerNonce)));
  BOOST_TEST(value(server.client_first(kSha256ClientFirst)) == "user");
  BOOST_TEST(server.server_first(rfc_keys(Hash::sha256)) == kSha256ServerFirst);
  BOOST_TEST(value(server.client_final(kSha256ClientFinal)) == kSha256ServerFinal);
}

BOOST_AUTO_TEST_CASE(rfc5802_5_sha1_proof_fails_against_sha256_server) {
  ScramServer server(options(Hash::sha256, std::string(kSha1ServerNonce)));
  value(server.client_first(kSha1ClientFirst));
  server.server_first(derive_keys(Hash::sha256, "pencil", unb64("QSXCR+Q6sek8bf92"), 4096));
  // A SHA-1 proof has the wrong length for SHA-256.
  BOOST_TEST(is_failure(server.client_final(kSha1ClientFinal), Failure::malformed_request));
}

BOOST_AUTO_TEST_CASE(rfc5802_5_1_default_nonce_is_random_printable_and_extends_client_nonce) {
  ScramServer::Options o;
  ScramServer a(o), b(o);
  value(a.client_first("n,,n=user,r=abc"));
  value(b.client_first("n,,n=user,r=abc"));
  const auto ra = ClientSide::field(a.server_first(rfc_keys(Hash::sha256)), 'r');
  const auto rb = ClientSide::field(b.server_first(rfc_keys(Hash::sha256)), 'r');
  BOOST_TEST(ra.starts_with("abc"));
  BOOST_TEST(ra.size() == 3 + 32u);  // 24 random bytes in base64
  BOOST_TEST(ra != rb);
  BOOST_TEST(ra.find(',') == std::string::npos);
}

// --- Keys and passwords ---

BOOST_AUTO_TEST_CASE(rfc5802_3_derive_keys_uses_the_iteration_count_given) {
  const auto k1 = keys_for(Hash::sha256, "pencil", 1);
  const auto k4096 = keys_for(Hash::sha256, "pencil", 4096);
  BOOST_TEST(k1.iterations == 1u);
  BOOST_TEST(k1.stored_key != k4096.stored_key);
  BOOST_CHECK_THROW(keys_for(Hash::sha256, "pencil", 0), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(rfc5802_5_stored_keys_below_4096_iterations_are_still_accepted) {
  auto o = options(Hash::sha1);
  ScramServer server(o);
  ClientSide client;
  client.hash = Hash::sha1;
  value(server.client_first(client.first()));
  const auto server_first = server.server_first(keys_for(Hash::sha1, "pencil", 1024));
  BOOST_TEST(server_first.ends_with(",i=1024"));
  const auto [client_final, expected] = client.final(server_first);
  BOOST_TEST(value(server.client_final(client_final)) == expected);
}

BOOST_AUTO_TEST_CASE(rfc5802_3_verify_password_accepts_right_and_rejects_wrong_password) {
  const auto keys = rfc_keys(Hash::sha1);
  BOOST_TEST(verify_password(Hash::sha1, "pencil", keys));
  BOOST_TEST(!verify_password(Hash::sha1, "pencil ", keys));
  BOOST_TEST(!verify_password(Hash::sha1, "", keys));
  BOOST_TEST(!verify_password(Hash::sha256, "pencil", keys));  // key sizes do not fit
  BOOST_TEST(verify_password(Hash::sha256, "pencil", rfc_keys(Hash::sha256)));
  BOOST_TEST(verify_password(Hash::sha256, "x", keys_for(Hash::sha256, "x", 1)));
  auto broken = keys;
  broken.iterations = 0;
  BOOST_TEST(!verify_password(Hash::sha1, "pencil", broken));
  broken = keys;
  broken.server_key[0] ^= 1;
  BOOST_TEST(!verify_password(Hash::sha1, "pencil", broken));
}

BOOST_AUTO_TEST_CASE(rfc5802_5_1_random_salt_is_16_fresh_bytes) {
  const auto a = random_salt();
  const auto b = random_salt();
  BOOST_TEST(a.size() == 16u);
  BOOST_TEST(a != b);
}

// --- Whole exchanges ---

BOOST_AUTO_TEST_CASE(rfc5802_5_exchange_with_right_password_succeeds_for_both_hashes) {
  for (auto hash : {Hash::sha1, Hash::sha256}) {
    ClientSide client;
    client.hash = hash;
    ScramServer server(options(hash));
    value(server.client_first(client.first()));
    const auto server_first = server.server_first(keys_for(hash, "pencil"));
    const auto [client_final, expected] = client.final(server_first);
    BOOST_TEST(value(server.client_final(client_final)) == expected);
  }
}

BOOST_AUTO_TEST_CASE(rfc5802_5_wrong_password_fails_with_not_authorized) {
  ClientSide client;
  client.password = "pencil2";
  BOOST_TEST(is_failure(run(options(Hash::sha256), client, keys_for(Hash::sha256, "pencil")),
                        Failure::not_authorized));
}

BOOST_AUTO_TEST_CASE(rfc5802_5_1_unknown_user_gets_plausible_server_first_and_fails_at_proof) {
  auto o = options(Hash::sha256);
  o.default_iterations = 8192;
  ClientSide client;
  ScramServer server(o);
  value(server.client_first(client.first()));
  const auto server_first = server.server_first(std::nullopt);
  BOOST_TEST(ClientSide::field(server_first, 'r') == "clientnonceSERVERNONCE");
  BOOST_TEST(unb64(ClientSide::field(server_first, 's')).size() == 16u);
  BOOST_TEST(server_first.ends_with(",i=8192"));
  BOOST_TEST(
      is_failure(server.client_final(client.final(server_first).first), Failure::not_authorized));
}

BOOST_AUTO_TEST_CASE(rfc5802_5_1_unknown_user_salt_is_stable_per_name_and_differs_between_names) {
  const auto salt_for = [](std::string_view name, Hash hash) {
    ScramServer server(options(hash));
    value(server.client_first("n,,n=" + std::string(name) + ",r=abc"));
    return ClientSide::field(server.server_first(std::nullopt), 's');
  };
  BOOST_TEST(salt_for("nobody", Hash::sha256) == salt_for("nobody", Hash::sha256));
  BOOST_TEST(salt_for("nobody", Hash::sha256) != salt_for("nobody2", Hash::sha256));
  BOOST_TEST(salt_for("nobody", Hash::sha256) != salt_for("nobody", Hash::sha1));
}

BOOST_AUTO_TEST_CASE(rfc5802_5_1_unusable_stored_keys_fail_at_proof_like_unknown_user) {
  auto keys = keys_for(Hash::sha256, "pencil");
  keys.stored_key.pop_back();
  BOOST_TEST(is_failure(run(options(Hash::sha256), ClientSide{}, keys), Failure::not_authorized));
}

BOOST_AUTO_TEST_CASE(rfc5802_7_unknown_extensions_are_ignored_but_signed) {
  ClientSide client;
  client.first_extensions = ",x=anything=goes";
  ScramServer server(options(Hash::sha256));
  BOOST_TEST(value(server.client_first(client.first())) == "user");
  const auto server_first = server.server_first(keys_for(Hash::sha256, "pencil"));
  const auto [client_final, expected] = client.final(server_first, ",y=ext");
  BOOST_TEST(value(server.client_final(client_final)) == expected);
}

BOOST_AUTO_TEST_CASE(rfc5802_5_1_escaped_username_and_authzid_are_decoded) {
  ScramServer server(options(Hash::sha256));
  BOOST_TEST(value(server.client_first("n,a=admin=2Cx=3Dy@example.com,n=us=2Cer=3D,r=abc")) ==
             "us,er=");
  BOOST_TEST(server.authzid() == "admin,x=y@example.com");
}

BOOST_AUTO_TEST_CASE(rfc5802_5_1_authzid_takes_part_in_a_successful_exchange) {
  ClientSide client;
  client.gs2_header = "n,a=juliet@example.com,";
  ScramServer server(options(Hash::sha256));
  value(server.client_first(client.first()));
  BOOST_TEST(server.authzid() == "juliet@example.com");
  const auto [client_final, expected] =
      client.final(server.server_first(keys_for(Hash::sha256, "pencil")));
  BOOST_TEST(value(server.client_final(client_final)) == expected);
}

// --- Channel binding (RFC 5802 §6, RFC 9266) ---

BOOST_AUTO_TEST_CASE(rfc9266_plus_with_tls_exporter_binding_succeeds) {
  ClientSide client;
  client.gs2_header = "p=tls-exporter,,";
  client.cb_data = *tls_exporter_only("tls-exporter");
  ScramServer server(plus_options());
  value(server.client_first(client.first()));
  const auto [client_final, expected] =
      client.final(server.server_first(keys_for(Hash::sha256, "pencil")));
  BOOST_TEST(value(server.client_final(client_final)) == expected);
}

BOOST_AUTO_TEST_CASE(rfc5802_6_plus_with_wrong_binding_data_fails_with_not_authorized) {
  ClientSide client;
  client.gs2_header = "p=tls-exporter,,";
  client.cb_data = "data of another TLS connection.";
  BOOST_TEST(is_failure(run(plus_options(), client, keys_for(Hash::sha256, "pencil")),
                        Failure::not_authorized));
}

BOOST_AUTO_TEST_CASE(rfc5802_6_plus_with_gs2_header_only_in_c_fails_with_not_authorized) {
  ClientSide client;
  client.gs2_header = "p=tls-exporter,,";
  client.cb_data = *tls_exporter_only("tls-exporter");
  ScramServer server(plus_options());
  value(server.client_first(client.first()));
  auto bad = client;
  bad.cb_data.clear();  // c= carries the header but no binding data
  const auto server_first = server.server_first(keys_for(Hash::sha256, "pencil"));
  BOOST_TEST(
      is_failure(server.client_final(bad.final(server_first).first), Failure::not_authorized));
}

BOOST_AUTO_TEST_CASE(rfc5802_6_plus_with_unsupported_binding_type_fails) {
  BOOST_TEST(client_first_failure(plus_options(), "p=tls-unique,,n=user,r=abc") ==
             Failure::malformed_request);
  auto o = plus_options();
  o.binding_data = nullptr;
  BOOST_TEST(client_first_failure(o, "p=tls-exporter,,n=user,r=abc") == Failure::malformed_request);
}

BOOST_AUTO_TEST_CASE(rfc5802_6_y_flag_when_plus_was_advertised_fails_with_not_authorized) {
  auto o = options(Hash::sha256);
  o.plus_advertised = true;
  BOOST_TEST(client_first_failure(o, "y,,n=user,r=abc") == Failure::not_authorized);
}

BOOST_AUTO_TEST_CASE(rfc5802_6_y_flag_without_plus_advertised_succeeds) {
  ClientSide client;
  client.gs2_header = "y,,";
  ScramServer server(options(Hash::sha256));
  value(server.client_first(client.first()));
  const auto server_first = server.server_first(keys_for(Hash::sha256, "pencil"));
  const auto [client_final, expected] = client.final(server_first);
  BOOST_TEST(client_final.starts_with("c=eSws,"));
  BOOST_TEST(value(server.client_final(client_final)) == expected);
}

BOOST_AUTO_TEST_CASE(rfc5802_6_y_flag_with_c_biws_fails_with_not_authorized) {
  ClientSide client;
  client.gs2_header = "y,,";
  ScramServer server(options(Hash::sha256));
  value(server.client_first(client.first()));
  auto liar = client;
  liar.gs2_header = "n,,";  // c= then says "n,," although client-first said "y,,"
  const auto server_first = server.server_first(keys_for(Hash::sha256, "pencil"));
  BOOST_TEST(
      is_failure(server.client_final(liar.final(server_first).first), Failure::not_authorized));
}

BOOST_AUTO_TEST_CASE(rfc5802_6_p_flag_to_non_plus_mechanism_fails) {
  auto o = options(Hash::sha256);
  o.plus_advertised = true;
  o.binding_data = tls_exporter_only;
  BOOST_TEST(client_first_failure(o, "p=tls-exporter,,n=user,r=abc") == Failure::malformed_request);
}

BOOST_AUTO_TEST_CASE(rfc5802_6_plus_mechanism_without_binding_flag_fails) {
  BOOST_TEST(client_first_failure(plus_options(), "n,,n=user,r=abc") == Failure::malformed_request);
  BOOST_TEST(client_first_failure(plus_options(), "y,,n=user,r=abc") == Failure::malformed_request);
}

// --- Malformed messages ---

BOOST_AUTO_TEST_CASE(rfc5802_7_malformed_client_first_fails_with_malformed_request) {
  for (std::string_view m : {
           ""sv,
           "n"sv,
           "n,"sv,
           "n,,"sv,
           "x,,n=user,r=abc"sv,
           "N,,n=user,r=abc"sv,
           "p,,n=user,r=abc"sv,
           "p=,,n=user,r=abc"sv,
           "p=tls_exporter,,n=user,r=abc"sv,
           "n,user,n=user,r=abc"sv,         // authzid without a=
           "n,a=,n=user,r=abc"sv,           // empty authzid
           "n,a=ju=40liet,n=user,r=abc"sv,  // unknown escape in authzid
           "n,,r=abc"sv,                    // no username
           "n,,n=user"sv,                   // no nonce
           "n,,r=abc,n=user"sv,             // wrong order
           "n,,n=,r=abc"sv,                 // empty username
           "n,,n=user,r="sv,                // empty nonce
           "n,,n=us=2Xer,r=abc"sv,          // unknown escape
           "n,,n=us=2cer,r=abc"sv,          // escapes are upper case
           "n,,n=user=,r=abc"sv,            // truncated escape
           "n,,n=user=3,r=abc"sv,
           "n,,n=user,r=a\x7f"sv,  // nonce not printable
           "n,,n=user,r=a b"sv,
           "n,,n=user,r=abc,"sv,   // empty extension
           "n,,n=user,r=abc,x"sv,  // extension without value
           "n,,n=user,r=abc,x="sv,
           "n,,n=user,r=abc,1=x"sv,    // extension name not ALPHA
           "n,,m=ext,n=user,r=abc"sv,  // reserved-mext: RFC 5802 §5.1 says fail
           "n,,n=user,r=abc,m=ext"sv,
           "n,,n=us\xffr,r=abc"sv,      // not UTF-8
           "n,,n=us\xc0\xafr,r=abc"sv,  // overlong UTF-8
       }) {
    BOOST_TEST_CONTEXT("message: " << m) {
      BOOST_TEST(client_first_failure(options(Hash::sha256), m) == Failure::malformed_request);
    }
  }
  BOOST_TEST(client_first_failure(options(Hash::sha256), "n,,n=us\0er,r=abc"sv) ==
             Failure::malformed_request);
}

BOOST_AUTO_TEST_CASE(rfc5802_5_1_username_failing_saslprep_fails_with_malformed_request) {
  // RFC 4013 §2.3 prohibits ASCII control characters (RFC 3454 table C.2.1).
  BOOST_TEST(client_first_failure(options(Hash::sha256),
                                  "n,,n=us\x07"
                                  "er,r=abc") == Failure::malformed_request);
}

BOOST_AUTO_TEST_CASE(rfc5802_7_malformed_client_final_fails_with_malformed_request) {
  const std::string nonce = "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
  const std::string proof = "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
  for (const std::string& m : {
           ""s, "c=biws"s,
           "r=" + nonce + "," + proof,                    // no c=
           "c=biws," + proof,                             // no r=
           "c=biws,r=" + nonce,                           // no p=
           "c=biws,r=" + nonce + ",p=",                   // empty proof
           "c=,r=" + nonce + "," + proof,                 // empty c=
           "r=" + nonce + ",c=biws," + proof,             // wrong order
           "c=biws,r=" + nonce + "," + proof + ",x=ext",  // proof not last
           "c=biws,r=" + nonce + ",m=ext," + proof,       // reserved m
           "c=biws,r=" + nonce + ",," + proof,
           "c=biws,r=" + nonce + ",c=biws," + proof,  // repeated attribute
           "c=biws,r=" + nonce + "X," + proof,        // nonce not the one sent
           "c=biws,r=rOprNGfwEbeRWgbNEkqO," + proof,  // client nonce only
           "c=biws,r=" + nonce + ",p=AAAA",           // proof of the wrong length
       }) {
    BOOST_TEST_CONTEXT("message: " << m) {
      BOOST_TEST(client_final_failure(m) == Failure::malformed_request);
    }
  }
}

BOOST_AUTO_TEST_CASE(rfc6120_6_5_2_bad_base64_in_client_final_fails_with_incorrect_encoding) {
  const std::string nonce = "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
  const std::string proof = "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
  for (const std::string& m : {
           "c=biw,r=" + nonce + "," + proof,
           "c=bi*s,r=" + nonce + "," + proof,
           "c==,r=" + nonce + "," + proof,
           "c=biws=,r=" + nonce + "," + proof,
           "c=biws,r=" + nonce + ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ",
           "c=biws,r=" + nonce + ",p=dHzbZapWIk4jUhN-Ute9ytag9zjfMHgsqmmiz7AndVQ=",
           "c=biws,r=" + nonce + ",p==",
       }) {
    BOOST_TEST_CONTEXT("message: " << m) {
      BOOST_TEST(client_final_failure(m) == Failure::incorrect_encoding);
    }
  }
}

BOOST_AUTO_TEST_CASE(rfc5802_5_tampered_client_final_fails_with_not_authorized) {
  // Flipping one bit of the RFC 7677 proof.
  BOOST_TEST(client_final_failure("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                                  "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVU=") ==
             Failure::not_authorized);
  // An extension added after the proof was computed changes AuthMessage.
  BOOST_TEST(client_final_failure("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                                  "x=y,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=") ==
             Failure::not_authorized);
}

// --- Order of calls ---

BOOST_AUTO_TEST_CASE(rfc5802_5_client_final_before_client_first_fails_with_malformed_request) {
  ScramServer server(options(Hash::sha256));
  BOOST_TEST(is_failure(server.client_final(kSha256ClientFinal), Failure::malformed_request));
  // Failed for good: even a correct start is refused now.
  BOOST_TEST(is_failure(server.client_first(kSha256ClientFirst), Failure::malformed_request));
}

BOOST_AUTO_TEST_CASE(rfc5802_5_client_first_twice_fails_with_malformed_request) {
  ScramServer server(options(Hash::sha256));
  value(server.client_first(kSha256ClientFirst));
  BOOST_TEST(is_failure(server.client_first(kSha256ClientFirst), Failure::malformed_request));
  BOOST_TEST(server.server_first(rfc_keys(Hash::sha256)).empty());
}

BOOST_AUTO_TEST_CASE(rfc5802_5_client_final_before_server_first_fails_with_malformed_request) {
  ScramServer server(options(Hash::sha256));
  value(server.client_first(kSha256ClientFirst));
  BOOST_TEST(is_failure(server.client_final(kSha256ClientFinal), Failure::malformed_request));
}

BOOST_AUTO_TEST_CASE(rfc5802_5_server_first_out_of_order_returns_empty_and_fails_exchange) {
  ScramServer server(options(Hash::sha256));
  BOOST_TEST(server.server_first(rfc_keys(Hash::sha256)).empty());
  BOOST_TEST(is_failure(server.client_first(kSha256ClientFirst), Failure::malformed_request));

  auto twice = sha256_server_after_first();
  BOOST_TEST(twice.server_first(rfc_keys(Hash::sha256)).empty());
  BOOST_TEST(is_failure(twice.client_final(kSha256ClientFinal), Failure::malformed_request));
}

BOOST_AUTO_TEST_CASE(rfc5802_5_client_final_after_success_fails_with_malformed_request) {
  auto server = sha256_server_after_first();
  value(server.client_final(kSha256ClientFinal));
  BOOST_TEST(is_failure(server.client_final(kSha256ClientFinal), Failure::malformed_request));
}

BOOST_AUTO_TEST_CASE(rfc5802_5_exchange_stays_failed_after_a_failure) {
  auto server = sha256_server_after_first();
  BOOST_TEST(is_failure(server.client_final("c=biws"), Failure::malformed_request));
  BOOST_TEST(is_failure(server.client_final(kSha256ClientFinal), Failure::malformed_request));
}

// --- PLAIN (RFC 4616) ---

BOOST_AUTO_TEST_CASE(rfc4616_2_plain_without_authzid_parses) {
  const auto m = parse_plain("\0user\0pencil"sv);
  BOOST_REQUIRE(m);
  BOOST_TEST(m->authzid.empty());
  BOOST_TEST(m->authcid == "user");
  BOOST_TEST(m->password == "pencil");
}

BOOST_AUTO_TEST_CASE(rfc4616_2_plain_with_authzid_and_utf8_parses) {
  const auto m = parse_plain("admin@example.com\0us\xc3\xa9r\0p\xe2\x82\xac ss word"sv);
  BOOST_REQUIRE(m);
  BOOST_TEST(m->authzid == "admin@example.com");
  BOOST_TEST(m->authcid == "us\xc3\xa9r");
  BOOST_TEST(m->password == "p\xe2\x82\xac ss word");
}

BOOST_AUTO_TEST_CASE(rfc4616_2_plain_fields_of_255_octets_parse_and_256_do_not) {
  const std::string f255(255, 'a'), f256(256, 'a');
  BOOST_TEST(parse_plain(f255 + '\0' + f255 + '\0' + f255).has_value());
  BOOST_TEST(!parse_plain(f256 + '\0' + "user" + '\0' + "pw").has_value());
  BOOST_TEST(!parse_plain("\0"s + f256 + '\0' + "pw").has_value());
  BOOST_TEST(!parse_plain("\0user\0"s + f256).has_value());
}

BOOST_AUTO_TEST_CASE(rfc4616_2_malformed_plain_is_rejected) {
  for (std::string_view m : {
           ""sv, "user"sv,
           "\0user"sv,      // one NUL
           "\0user\0"sv,    // empty password
           "\0\0pencil"sv,  // empty authcid
           "\0\0"sv,
           "\0user\0pen\0cil"sv,  // extra NUL
           "a\0user\0pencil\0"sv,
           "\0us\xffr\0pencil"sv,         // not UTF-8
           "\0user\0pen\xc3"sv,           // truncated sequence
           "\0user\0\xed\xa0\x80"sv,      // surrogate
           "\xc1\xbf\0user\0pencil"sv,    // overlong
           "\0user\0\xf4\x90\x80\x80"sv,  // above U+10FFFF
       }) {
    BOOST_TEST_CONTEXT("message of " << m.size() << " octets") {
      BOOST_TEST(!parse_plain(m).has_value());
    }
  }
}

// --- base64 (RFC 4648 §4, RFC 6120 §6.4.2) ---

BOOST_AUTO_TEST_CASE(rfc4648_10_base64_test_vectors_encode_and_decode) {
  const std::pair<std::string_view, std::string_view> vectors[] = {
      {"f", "Zg=="},        {"fo", "Zm8="},        {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [raw, text] : vectors) {
    BOOST_TEST(base64_encode(raw) == text);
    BOOST_TEST((base64_decode(text) == std::optional<std::string>(std::string(raw))));
  }
}

BOOST_AUTO_TEST_CASE(rfc6120_6_4_2_empty_data_is_a_single_equals_sign) {
  BOOST_TEST(base64_encode("") == "=");
  BOOST_TEST((base64_decode("=") == std::optional<std::string>("")));
  BOOST_TEST((base64_decode("") == std::optional<std::string>("")));
}

BOOST_AUTO_TEST_CASE(rfc4648_4_base64_round_trips_all_byte_values_and_lengths) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (std::size_t len = 1; len <= all.size(); ++len) {
    const auto raw = all.substr(all.size() - len);
    const auto text = base64_encode(raw);
    BOOST_TEST(text.size() % 4 == 0u);
    BOOST_TEST((base64_decode(text) == std::optional<std::string>(raw)));
  }
}

BOOST_AUTO_TEST_CASE(rfc6120_6_4_2_bad_base64_is_rejected) {
  for (std::string_view t : {
           "Zg"sv,  // no padding
           "Zg="sv,      "Z"sv,      "Z==="sv,         "===="sv, "=="sv,
           "Zm9v\n"sv,  // whitespace
           " Zm9v"sv,    "Zm 9v"sv,  "Zm9v\r\nZm9v"sv,
           "Zm9v===="sv,  // padding beyond one group
           "Zg==Zg=="sv,  // padding in the middle
           "=Zm9"sv,     "Z=g="sv,
           "Zh=="sv,  // non-zero pad bits (RFC 4648 §3.5)
           "Zm9="sv,
           "Zm-v"sv,  // base64url alphabet
           "Zm_v"sv,     "Zm9v\0"sv, "Zm9\xc3\xa9"sv,
       }) {
    BOOST_TEST_CONTEXT("text: " << t) { BOOST_TEST(!base64_decode(t).has_value()); }
  }
}

BOOST_AUTO_TEST_CASE(rfc6120_6_5_failure_names_are_the_element_names) {
  BOOST_TEST(failure_name(Failure::aborted) == "aborted"s);
  BOOST_TEST(failure_name(Failure::incorrect_encoding) == "incorrect-encoding"s);
  BOOST_TEST(failure_name(Failure::invalid_authzid) == "invalid-authzid"s);
  BOOST_TEST(failure_name(Failure::malformed_request) == "malformed-request"s);
  BOOST_TEST(failure_name(Failure::not_authorized) == "not-authorized"s);
  BOOST_TEST(failure_name(Failure::account_disabled) == "account-disabled"s);
  BOOST_TEST(failure_name(Failure::temporary_auth_failure) == "temporary-auth-failure"s);
}
