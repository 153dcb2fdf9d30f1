// XEP-0363 HTTP File Upload: discovery, slots and their errors through the real router and
// SQLite storage, the GET route's refusals, and the pure rules (file names, content types, ids).
#define BOOST_TEST_MODULE upload
#include <boost/test/unit_test.hpp>

#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include "../upload_rules.hpp"
#include "test_host.hpp"
#include "xmppd/namespaces.hpp"

using namespace xmppd;
using namespace xmppd::testing;

namespace {

constexpr char kUpload[] = "urn:xmpp:http:upload:0";

struct Fixture {
  TestHost host{std::vector<HostSpec>{
      {"example.org", {}, {}, false},
      {"guest.example.org", {}, {}, true},
      {"upload.example.org", {"upload"},
       {{"upload", {{"max_file_size", "1000"}, {"quota", "1500"}, {"visitor_quota", "600"},
                    {"public_url", "https://files.example.org/"}, {"purge_interval", "1s"}}}},
       false},
      {"other.example", {}, {}, false}}};
  FakeSession *alice, *visitor, *stranger;
  Fixture() {
    host.create_account("alice@example.org");
    host.create_account("eve@other.example");
    alice = &host.connect("alice@example.org/desk");
    visitor = &host.connect("x1y2z3@guest.example.org/web");
    stranger = &host.connect("eve@other.example/home");
  }
  Element request(FakeSession& s, const std::string& filename, const std::string& size, const std::string& type) {
    return host.iq(s, "<iq type='get' id='r' to='upload.example.org'><request xmlns='urn:xmpp:http:upload:0' filename='" +
                          filename + "' size='" + size + "' content-type='" + type + "'/></iq>");
  }
};

std::string condition(const Element& reply) {
  const Element* e = reply.child("error", ns::kClient);
  if (!e) return "";
  for (const auto& c : e->children())
    if (!c.is_text() && c.ns() == ns::kStanzaErrors && c.name() != "text") return c.name();
  return "";
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(disco_shows_the_service_and_max_file_size_form, Fixture) {
  Element r = host.iq(*alice, "<iq type='get' id='d' to='upload.example.org'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  BOOST_REQUIRE(r.attr("type") == "result");
  const Element* q = r.child("query", ns::kDiscoInfo);
  BOOST_REQUIRE(q);
  bool identity = false, feature = false;
  std::string max;
  for (const Element* i : q->elements("identity", ns::kDiscoInfo))
    identity |= i->attr("category") == "store" && i->attr("type") == "file";
  for (const Element* f : q->elements("feature", ns::kDiscoInfo)) feature |= f->attr("var") == kUpload;
  const Element* x = q->child("x", "jabber:x:data");
  BOOST_REQUIRE(x);
  for (const Element* f : x->elements("field", "jabber:x:data"))
    if (f->attr("var") == "max-file-size") max = f->child("value", "jabber:x:data")->text();
  BOOST_TEST(identity);
  BOOST_TEST(feature);
  BOOST_TEST(max == "1000");
}

BOOST_FIXTURE_TEST_CASE(grants_a_slot_with_one_url_and_a_bearer_token, Fixture) {
  Element r = request(*alice, "dir/../raport ż.pdf", "900", "application/pdf");
  BOOST_REQUIRE(r.attr("type") == "result");
  const Element* slot = r.child("slot", kUpload);
  BOOST_REQUIRE(slot);
  std::string put(slot->child("put", kUpload)->attr("url"));
  std::string get(slot->child("get", kUpload)->attr("url"));
  BOOST_TEST(put == get);
  // public_url, 32 hex digits, the cleaned name percent-encoded.
  BOOST_TEST(put.starts_with("https://files.example.org/"));
  BOOST_TEST(put.ends_with("/raport%20%C5%BC.pdf"));
  BOOST_TEST(put.size() == std::string("https://files.example.org/").size() + 33 + std::string("raport%20%C5%BC.pdf").size());
  const Element* header = slot->child("put", kUpload)->child("header", kUpload);
  BOOST_REQUIRE(header);
  BOOST_TEST(header->attr("name") == "Authorization");
  BOOST_TEST(header->text().starts_with("Bearer "));
  BOOST_TEST(header->text().size() == 7 + 64);
}

BOOST_FIXTURE_TEST_CASE(refuses_too_large_files_with_the_limit, Fixture) {
  Element r = request(*alice, "a.pdf", "1001", "application/pdf");
  BOOST_TEST(condition(r) == "not-acceptable");
  BOOST_TEST(r.child("error", ns::kClient)->attr("type") == "modify");
  const Element* ftl = r.child("error", ns::kClient)->child("file-too-large", kUpload);
  BOOST_REQUIRE(ftl);
  BOOST_TEST(ftl->child("max-file-size", kUpload)->text() == "1000");
}

BOOST_FIXTURE_TEST_CASE(refuses_bad_requests_types_strangers_and_over_quota, Fixture) {
  BOOST_TEST(condition(request(*alice, "a.html", "10", "text/html")) == "not-acceptable");
  BOOST_TEST(condition(request(*alice, "", "10", "text/plain")) == "bad-request");
  BOOST_TEST(condition(request(*alice, "a.txt", "0", "text/plain")) == "bad-request");
  BOOST_TEST(condition(request(*alice, "a.txt", "-5", "text/plain")) == "bad-request");
  BOOST_TEST(condition(request(*alice, "a.txt", "ten", "text/plain")) == "bad-request");
  BOOST_TEST(condition(request(*alice, "a.txt", "10", "text/plain; charset=utf-8")) == "");
  // Not an account of an allowed host.
  BOOST_TEST(condition(request(*stranger, "a.txt", "10", "text/plain")) == "not-allowed");
  // Quota 1500: 10 + 900 fit, another 900 does not.
  BOOST_TEST(condition(request(*alice, "b.txt", "900", "text/plain")) == "");
  Element over = request(*alice, "c.txt", "900", "text/plain");
  BOOST_TEST(condition(over) == "resource-constraint");
  BOOST_TEST(over.child("error", ns::kClient)->attr("type") == "wait");
  // A visitor has its own, smaller quota (600).
  BOOST_TEST(condition(request(*visitor, "v.png", "500", "image/png")) == "");
  BOOST_TEST(condition(request(*visitor, "w.png", "200", "image/png")) == "resource-constraint");
}

BOOST_FIXTURE_TEST_CASE(get_route_serves_only_stored_files_on_the_upload_host, Fixture) {
  const HttpRoute* route = host.core().http_route("upload.example.org", "/");
  BOOST_REQUIRE(route);
  BOOST_TEST(!host.core().http_route("example.org", "/0123456789abcdef0123456789abcdef/a.txt"));
  Element r = request(*alice, "a.txt", "10", "text/plain");
  std::string url(r.child("slot", kUpload)->child("get", kUpload)->attr("url"));
  std::string path = url.substr(std::string("https://files.example.org").size());
  auto status = [&](const std::string& p) {
    HttpRequest req;
    req.method = "GET";
    req.path = p;
    req.host = "upload.example.org";
    return host.wait(route->handler(req)).status;
  };
  BOOST_TEST(status(path) == 404);  // granted, not uploaded yet
  BOOST_TEST(status("/../etc/passwd") == 404);
  BOOST_TEST(status("/0123456789abcdef0123456789abcdef/a.txt") == 404);
}

BOOST_FIXTURE_TEST_CASE(sweep_removes_expired_records_and_their_files, Fixture) {
  // A stored file whose retention has passed (its time set back in the database), and a fresh
  // slot that stays.
  Element old_slot = request(*alice, "old.txt", "10", "text/plain");
  Element new_slot = request(*alice, "new.txt", "10", "text/plain");
  auto id_of = [](const Element& r) {
    std::string url(r.child("slot", kUpload)->child("put", kUpload)->attr("url"));
    return url.substr(std::string("https://files.example.org/").size(), 32);
  };
  std::string old_id = id_of(old_slot), new_id = id_of(new_slot);
  std::string dir = host.data_dir() + "/upload/upload.example.org";
  std::ofstream(dir + "/" + old_id) << "old file\n";
  std::ofstream(dir + "/" + new_id) << "new file\n";
  sqlite3* db = nullptr;
  BOOST_REQUIRE(sqlite3_open((host.data_dir() + "/test.sqlite").c_str(), &db) == SQLITE_OK);
  std::string sql = "UPDATE uploads SET state = 2, expires_us = 1 WHERE id = '" + old_id + "'";
  BOOST_REQUIRE(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  host.run_until([&] { return !std::filesystem::exists(dir + "/" + old_id); });
  host.run_until([&] { return !host.wait(host.storage().uploads().find("upload.example.org", old_id)); });
  BOOST_TEST(std::filesystem::exists(dir + "/" + new_id));
  BOOST_TEST(host.wait(host.storage().uploads().find("upload.example.org", new_id)).has_value());
}

BOOST_AUTO_TEST_CASE(rules_clean_names_types_and_ids) {
  using namespace xmppd::upload;
  BOOST_TEST(*clean_filename("C:\\Users\\x\\..\\plan.pdf") == "plan.pdf");
  BOOST_TEST(*clean_filename("../../etc/passwd") == "passwd");
  BOOST_TEST(*clean_filename(".htaccess") == "htaccess");
  BOOST_TEST(!clean_filename("a/.."));
  BOOST_TEST(!clean_filename("\x01\x02"));
  BOOST_TEST(clean_filename(std::string(300, 'a'))->size() == 255u);
  std::string polish;
  for (int i = 0; i < 200; ++i) polish += "ż";  // 2 bytes each: cut at a character boundary
  BOOST_TEST(clean_filename(polish)->size() == 254u);
  BOOST_TEST(*normalise_content_type("Image/PNG; charset=x") == "image/png");
  BOOST_TEST(*normalise_content_type("") == "application/octet-stream");
  BOOST_TEST(!normalise_content_type("text"));
  BOOST_TEST(!normalise_content_type("text/html/x"));
  BOOST_TEST(!normalise_content_type("te xt/html"));
  BOOST_TEST(content_type_allowed({"image/*"}, "image/webp"));
  BOOST_TEST(!content_type_allowed({"image/*"}, "imagex/webp"));
  BOOST_TEST(content_type_allowed({}, "anything/at-all"));
  BOOST_TEST(*file_id("/0123456789abcdef0123456789abcdef/x.txt") == "0123456789abcdef0123456789abcdef");
  BOOST_TEST(!file_id("/0123456789ABCDEF0123456789abcdef/x.txt"));
  BOOST_TEST(!file_id("/0123456789abcdef0123456789abcdef/"));
  BOOST_TEST(!file_id("/0123456789abcdef0123456789abcdef/a/b"));
  BOOST_TEST(content_disposition("ż \"x\".pdf") ==
             "attachment; filename=\"__ _x_.pdf\"; filename*=UTF-8''%C5%BC%20%22x%22.pdf");
}
