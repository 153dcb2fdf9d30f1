// The module test harness (see test_host.hpp).
#include "test_host.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>

#include "sasl/scram.hpp"
#include "storage/storage_factory.hpp"
#include "xml/stream_parser.hpp"
#include "xmppd/module.hpp"
#include "xmppd/namespaces.hpp"

namespace xmppd::testing {

namespace fs = std::filesystem;

Element xml(const std::string& text) {
  // Wrap in a jabber:client default namespace so unqualified stanzas get it, as in a stream.
  std::string wrapped = "<w xmlns='jabber:client'>" + text + "</w>";
  auto parsed = parse_element(wrapped);
  BOOST_REQUIRE_MESSAGE(parsed && parsed->first_child_element(), "test XML does not parse: " + text);
  return *parsed->first_child_element();
}

TestHost::TestHost(std::vector<std::string> modules) {
  HostSpec h;
  h.name = "example.org";
  h.modules = std::move(modules);
  init({h});
}

TestHost::TestHost(std::vector<HostSpec> hosts) { init(std::move(hosts)); }

void TestHost::init(std::vector<HostSpec> hosts) {
  char tmpl[] = "/tmp/xmppd-test-XXXXXX";
  dir_ = mkdtemp(tmpl);
  config_.data_dir = dir_;
  config_.scram_iterations = 4096;
  config_.storage.sqlite_path = dir_ + "/test.sqlite";
  for (auto& spec : hosts) {
    HostConfig hc;
    hc.name = spec.name;
    hc.anonymous = spec.anonymous;
    hc.modules = spec.modules;
    for (const auto& m : spec.modules) {
      const ModuleInfo* info = find_module(m);
      BOOST_REQUIRE_MESSAGE(info, "no module named " + m);
      hc.module_options[m] = validate_module_options(spec.name + "." + m, info->options, spec.options[m]);
    }
    config_.hosts.push_back(hc);
  }
  StorageConfig sc;
  sc.backend = "sqlite";
  sc.sqlite_path = config_.storage.sqlite_path;
  storage_ = open_storage(sc);
  core_ = std::make_unique<Core>(io_, config_, *storage_);
  core_->start_modules();
}

TestHost::~TestHost() {
  settle();
  for (auto& s : sessions_)
    if (!s->closed_with) core_->unbind(*s, "");
  core_.reset();
  storage_->stop();
  storage_.reset();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void TestHost::create_account(const std::string& bare, const std::string& password) {
  auto jid = Jid::parse(bare);
  BOOST_REQUIRE(jid);
  Account a;
  a.host = jid->domain();
  a.username = jid->local();
  auto k1 = sasl::derive_keys(sasl::Hash::sha1, password, sasl::random_salt(), 4096);
  auto k2 = sasl::derive_keys(sasl::Hash::sha256, password, sasl::random_salt(), 4096);
  a.sha1 = {k1.salt, k1.iterations, k1.stored_key, k1.server_key};
  a.sha256 = {k2.salt, k2.iterations, k2.stored_key, k2.server_key};
  BOOST_REQUIRE(wait(storage_->accounts().create(a)));
}

FakeSession& TestHost::connect(const std::string& full) {
  auto jid = Jid::parse(full);
  BOOST_REQUIRE_MESSAGE(jid && !jid->is_bare(), "connect() needs a full JID: " + full);
  const HostConfig* hc = config_.host(jid->domain());
  sessions_.push_back(std::make_unique<FakeSession>(*jid, hc && hc->anonymous, next_id_++));
  FakeSession& s = *sessions_.back();
  if (Session* old = core_->bind(s)) old->close("conflict", "");
  settle();
  return s;
}

void TestHost::disconnect(FakeSession& s) {
  s.closed_with = "";
  core_->unbind(s, "");
  settle();
}

void TestHost::send(FakeSession& from, const std::string& text) {
  Element stanza = xml(text);
  stanza.set_attr("from", from.jid().str());
  core_->route_from_client(std::move(stanza), from);
  settle();
}

void TestHost::send_together(const std::vector<std::pair<FakeSession*, std::string>>& stanzas) {
  for (const auto& [from, text] : stanzas) {
    Element stanza = xml(text);
    stanza.set_attr("from", from->jid().str());
    core_->route_from_client(std::move(stanza), *from);
  }
  settle();
}

Element TestHost::iq(FakeSession& from, const std::string& text) {
  Element stanza = xml(text);
  std::string id(stanza.attr("id"));
  BOOST_REQUIRE_MESSAGE(!id.empty(), "iq() needs an id");
  std::size_t before = from.received.size();
  stanza.set_attr("from", from.jid().str());
  core_->route_from_client(std::move(stanza), from);
  const Element* reply = nullptr;
  run_until([&] {
    for (std::size_t i = before; i < from.received.size(); ++i) {
      const Element& e = from.received[i];
      if (e.name() == "iq" && e.attr("id") == id && (e.attr("type") == "result" || e.attr("type") == "error")) {
        reply = &e;
        return true;
      }
    }
    return false;
  });
  Element out = *reply;
  settle();
  return out;
}

void TestHost::run_until(const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) BOOST_FAIL("timed out waiting in the test host");
    io_.restart();
    io_.run_for(std::chrono::milliseconds(5));
  }
}

void TestHost::settle() {
  // Runs until the loop has no work at all (storage jobs hold work on it while they run), or,
  // when a module keeps a long timer, until nothing has happened for 200 ms. Bounded at 10 s.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  int idle_rounds = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    io_.restart();
    std::size_t n = io_.run_for(std::chrono::milliseconds(20));
    if (io_.stopped() && n == 0) {
      // run_for() returned early: no work left. Check once more after a moment, in case a
      // completion from another thread is about to be posted.
      io_.restart();
      if (io_.poll() == 0) return;
      continue;
    }
    idle_rounds = n == 0 ? idle_rounds + 1 : 0;
    if (idle_rounds >= 10) return;
  }
}

void TestHost::wait(Task<void> task) {
  bool finished = false;
  std::exception_ptr error;
  asio::co_spawn(io_, std::move(task), [&](std::exception_ptr e) {
    error = e;
    finished = true;
  });
  run_until([&] { return finished; });
  if (error) std::rethrow_exception(error);
}

std::vector<Element> TestHost::take(FakeSession& s) {
  std::vector<Element> out;
  out.swap(s.received);
  return out;
}

}  // namespace xmppd::testing
