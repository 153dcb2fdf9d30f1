// Self-test of the load generator's own protocol pieces: the stream scanner and SCRAM-SHA-256
// (RFC 7677 §3 test vector). No network, no timing.
#include <cstdio>
#include <string>
#include <vector>

#include "sasl.hpp"
#include "xml_scan.hpp"

namespace {
int passed = 0, failed = 0;
void check(bool ok, const char* what) {
  if (ok) {
    ++passed;
  } else {
    ++failed;
    std::printf("FAILED: %s\n", what);
  }
}

void scanner_cuts_stream_into_elements_across_reads() {
  using loadgen::StreamScanner;
  StreamScanner sc;
  std::string in =
      "<?xml version='1.0'?><stream:stream xmlns='jabber:client' id='a>b'><stream:features><mechanisms>"
      "<mechanism>PLAIN</mechanism><mechanism>SCRAM-SHA-256</mechanism></mechanisms></stream:features>"
      "<message to='x' type=\"chat\"><body>1 2 3 4</body></message><presence/></stream:stream>";
  std::vector<std::string> elements;
  int opens = 0, closes = 0;
  // One byte at a time: every split point of the input is exercised.
  for (char c : in) {
    sc.feed(&c, 1);
    std::string_view el;
    for (;;) {
      auto ev = sc.next(el);
      if (ev == StreamScanner::Event::none) break;
      if (ev == StreamScanner::Event::stream_open) ++opens;
      if (ev == StreamScanner::Event::stream_close) ++closes;
      if (ev == StreamScanner::Event::element) elements.emplace_back(el);
    }
  }
  check(opens == 1 && closes == 1, "one stream open and close");
  check(elements.size() == 3, "three top-level elements");
  if (elements.size() != 3) return;
  namespace xml = loadgen::xml;
  check(xml::name(elements[0]) == "stream:features", "features name");
  auto mechs = xml::child_texts(elements[0], "mechanism");
  check(mechs.size() == 2 && mechs[1] == "SCRAM-SHA-256", "mechanisms");
  check(xml::attr(elements[1], "type") == "chat" && xml::attr(elements[1], "to") == "x", "attributes");
  check(xml::child_text(elements[1], "body") == "1 2 3 4", "body text");
  check(elements[2] == "<presence/>", "empty element");
}

void scram_sha256_matches_rfc7677_example() {
  loadgen::sasl::ScramClient c(loadgen::sasl::Hash::sha256, "user", "pencil");
  c.set_nonce("rOprNGfwEbeRWgbNEkqO");
  check(c.client_first() == "n,,n=user,r=rOprNGfwEbeRWgbNEkqO", "client-first");
  auto final_msg =
      c.client_final("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
  check(final_msg && *final_msg ==
                         "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                         "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
        "client-final with proof");
  check(c.verify_server_final("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="), "server signature");
  check(!c.verify_server_final("v=AAAA"), "wrong server signature refused");
  // A second login of the same user with the same salt reuses the derived keys.
  auto before = loadgen::sasl::ScramClient::pbkdf2_count();
  loadgen::sasl::ScramClient again(loadgen::sasl::Hash::sha256, "user", "pencil");
  again.set_nonce("rOprNGfwEbeRWgbNEkqO");
  again.client_first();
  again.client_final("r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
  check(loadgen::sasl::ScramClient::pbkdf2_count() == before, "salted password cached");
}

void base64_round_trips() {
  for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", std::string("\0user\0pw", 8)})
    check(loadgen::sasl::base64_decode(loadgen::sasl::base64_encode(s)) == s, "base64 round trip");
}
}  // namespace

int main() {
  scanner_cuts_stream_into_elements_across_reads();
  scram_sha256_matches_rfc7677_example();
  base64_round_trips();
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
