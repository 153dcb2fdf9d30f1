// The harness module tests run on: the real Core (router, hooks, IQ dispatch) with a real
// SQLite storage in a temporary directory, the named modules started on one or more hosts, and
// fake sessions that record what a client would receive. No sockets, no sleeps: the test
// drives the event loop until what it waits for has arrived (or a 10 s guard fails the test).
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config.hpp"
#include "core.hpp"
#include "xmppd/asio.hpp"
#include "xmppd/storage.hpp"

namespace xmppd::testing {

class FakeSession final : public Session {
 public:
  FakeSession(Jid jid, bool anonymous, std::uint64_t id) : jid_(std::move(jid)), anonymous_(anonymous), id_(id) {}
  const Jid& jid() const override { return jid_; }
  void send(const Element& stanza) override { received.push_back(stanza); }
  void close(std::string_view condition, std::string_view) override { closed_with = std::string(condition); }
  bool anonymous() const override { return anonymous_; }
  std::string_view transport() const override { return "test"; }
  std::uint64_t id() const override { return id_; }
  // Counts XEP-0198 acknowledgement holds, so a test can see that a stanza was not acked
  // before it was durable: `ack_holds_taken` ever, `*ack_holds_live` still held.
  std::shared_ptr<void> defer_ack() override {
    ++ack_holds_taken;
    ++*ack_holds_live;
    return std::shared_ptr<void>(nullptr, [live = ack_holds_live](void*) { --*live; });
  }

  std::vector<Element> received;     // every stanza written to this client, in order
  std::optional<std::string> closed_with;
  int ack_holds_taken = 0;
  std::shared_ptr<int> ack_holds_live = std::make_shared<int>(0);

 private:
  Jid jid_;
  bool anonymous_;
  std::uint64_t id_;
};

struct HostSpec {
  std::string name;
  std::vector<std::string> modules;
  std::map<std::string, std::map<std::string, std::string>> options;  // module -> key -> value
  bool anonymous = false;
};

class TestHost {
 public:
  // One host "example.org" with `modules`.
  explicit TestHost(std::vector<std::string> modules);
  explicit TestHost(std::vector<HostSpec> hosts);
  ~TestHost();

  Core& core() { return *core_; }
  Storage& storage() { return *storage_; }
  asio::io_context& io() { return io_; }
  // The temporary data directory; the SQLite database is test.sqlite in it (a test may open
  // it beside the server, e.g. to make a write fail).
  const std::string& data_dir() const { return dir_; }

  // Creates an account (SCRAM keys at 4096 iterations, to keep tests fast).
  void create_account(const std::string& bare_jid, const std::string& password = "secret");
  // Binds a session for `full_jid` (as resource binding would) and returns it.
  FakeSession& connect(const std::string& full_jid);
  // Ends the session as a dropped connection would (SessionClosed is emitted).
  void disconnect(FakeSession& session);

  // Parses `xml` (a jabber:client stanza), stamps 'from' and routes it as the session's client
  // sent it, then runs the loop until nothing more is pending.
  void send(FakeSession& from, const std::string& xml);
  // Routes each (session, stanza) in order within one turn of the loop, then runs it until
  // nothing more is pending: stanzas that arrive together, before any answer to the first.
  void send_together(const std::vector<std::pair<FakeSession*, std::string>>& stanzas);
  // Sends an IQ and returns the reply with the same id addressed to `from`.
  Element iq(FakeSession& from, const std::string& xml);
  // Runs the event loop until `done()` holds; fails the test after 10 s.
  void run_until(const std::function<bool()>& done);
  // Runs the event loop until idle (storage work included, bounded at 10 s).
  void settle();
  // Awaits a storage call.
  template <class T>
  T wait(Task<T> task) {
    std::optional<T> result;
    std::exception_ptr error;
    bool finished = false;
    asio::co_spawn(io_, std::move(task), [&](std::exception_ptr e, T v) {
      error = e;
      if (!e) result = std::move(v);
      finished = true;
    });
    run_until([&] { return finished; });
    if (error) std::rethrow_exception(error);
    return std::move(*result);
  }
  void wait(Task<void> task);

  // Stanzas received by `s` since the last take(), removing them.
  std::vector<Element> take(FakeSession& s);

 private:
  void init(std::vector<HostSpec> hosts);

  std::string dir_;
  Config config_;
  asio::io_context io_;
  std::unique_ptr<Storage> storage_;
  std::unique_ptr<Core> core_;
  std::vector<std::unique_ptr<FakeSession>> sessions_;
  std::uint64_t next_id_ = 1;
  std::int64_t outstanding_ = 0;
};

// Parses a stanza written in a test (jabber:client by default).
Element xml(const std::string& text);

}  // namespace xmppd::testing
