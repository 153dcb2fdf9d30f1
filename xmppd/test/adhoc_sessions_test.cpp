// XEP-0050 Ad-Hoc Commands 1.3: the session state machine and its §4.6 errors (AdhocSessions),
// with the time and session ids given by the test.
#define BOOST_TEST_MODULE adhoc_sessions
#include <boost/test/unit_test.hpp>

#include "adhoc_sessions.hpp"
#include "xmppd/asio.hpp"
#include "xmppd/data_form.hpp"
#include "xmppd/namespaces.hpp"

using namespace xmppd;

namespace {

const Jid kHost = *Jid::parse("chat.example");
const Jid kRoom = *Jid::parse("c-1@chat.example");
const Jid kStaff = *Jid::parse("anna@example/desk");
const Jid kStranger = *Jid::parse("eve@example/x");

// A two-stage command: "name" then "colour", then a note with both (§3.4 multi-stage).
AdhocCommand wizard() {
  AdhocCommand c;
  c.node = "wizard";
  c.name = "Wizard";
  c.allowed = [](const Jid& who, const Jid&) { return who.local() == "anna"; };
  c.run = [](AdhocRequest r) -> Task<AdhocStep> {
    if (r.submitted.empty()) {
      Element x = form::make("form", "Name");
      form::field(x, "name", "text-single", "Name", "", true);
      co_return AdhocStep::ask(std::move(x), false);
    }
    if (form::value(r.submitted[0], "name").empty()) co_return AdhocStep::fail(adhoc_bad_payload("name is required"));
    if (r.submitted.size() == 1) {
      Element x = form::make("form", "Colour");
      form::field(x, "colour", "text-single", "Colour");
      co_return AdhocStep::ask(std::move(x), true);
    }
    co_return AdhocStep::done(form::value(r.submitted[0], "name") + " likes " + form::value(r.submitted[1], "colour"));
  };
  return c;
}

AdhocCommand room_note() {
  AdhocCommand c;
  c.node = "note";
  c.name = "Note";
  c.serves = [](const Jid& j) { return j.local().rfind("c-", 0) == 0; };
  c.run = [](AdhocRequest) -> Task<AdhocStep> { co_return AdhocStep::done("kept"); };
  return c;
}

Element command(std::string node, std::string action = {}, std::string sid = {}) {
  Element c("command", ns::kCommands);
  c.set_attr("node", std::move(node));
  if (!action.empty()) c.set_attr("action", std::move(action));
  if (!sid.empty()) c.set_attr("sessionid", std::move(sid));
  return c;
}

Element with_form(Element c, std::string var, std::string value) {
  Element x = form::make("submit", "");
  form::field(x, std::move(var), "text-single", "", std::move(value));
  c.add(std::move(x));
  return c;
}

IqResult run(AdhocSessions& s, const Jid& from, const Jid& to, Element cmd, std::int64_t now = 0,
             std::string id = "s1") {
  asio::io_context io;
  std::optional<IqResult> out;
  asio::co_spawn(
      io,
      [&]() -> Task<void> {
        auto task = s.execute(from, to, std::move(cmd), now, id);  // named: see adhoc_sessions.cpp
        out = co_await std::move(task);
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  io.run();
  BOOST_REQUIRE(out);
  return *out;
}

std::string status(const IqResult& r) {
  BOOST_REQUIRE(r.payload());
  return std::string(r.payload()->attr("status"));
}

// The application-specific condition of an error (§4.6), "" when none.
std::string specific(const IqResult& r) {
  BOOST_REQUIRE(r.error());
  return r.error()->app_specific.name();
}

AdhocSessions with_wizard(AdhocLimits limits = {}) {
  AdhocSessions s(limits);
  s.add(1, wizard());
  s.add(1, room_note());
  return s;
}

}  // namespace

BOOST_AUTO_TEST_CASE(lists_only_commands_the_requester_may_execute) {
  AdhocSessions s = with_wizard();
  Element mine = s.items(kStaff, kHost);
  BOOST_REQUIRE_EQUAL(mine.elements("item", ns::kDiscoItems).size(), 1u);
  BOOST_TEST(mine.elements("item", ns::kDiscoItems)[0]->attr("node") == "wizard");
  BOOST_TEST(mine.elements("item", ns::kDiscoItems)[0]->attr("jid") == "chat.example");
  BOOST_TEST(s.items(kStranger, kHost).elements("item", ns::kDiscoItems).empty());
  // The room offers its own command, the host's is not listed there.
  Element room = s.items(kStaff, kRoom);
  BOOST_REQUIRE_EQUAL(room.elements("item", ns::kDiscoItems).size(), 1u);
  BOOST_TEST(room.elements("item", ns::kDiscoItems)[0]->attr("jid") == "c-1@chat.example");
  BOOST_TEST(s.on_host());
  BOOST_TEST(!s.serves(*Jid::parse("general@chat.example")));
}

BOOST_AUTO_TEST_CASE(command_node_info_is_an_automation_command_node) {
  AdhocSessions s = with_wizard();
  IqResult r = s.info("wizard", kStaff, kHost);
  BOOST_REQUIRE(r.payload());
  const Element* id = r.payload()->child("identity", ns::kDiscoInfo);
  BOOST_REQUIRE(id);
  BOOST_TEST(id->attr("category") == "automation");
  BOOST_TEST(id->attr("type") == "command-node");
  BOOST_TEST(s.info("wizard", kStranger, kHost).error()->condition == "forbidden");
  BOOST_TEST(s.info("nope", kStaff, kHost).error()->condition == "item-not-found");
}

BOOST_AUTO_TEST_CASE(runs_a_multi_stage_command_with_prev_and_complete) {
  AdhocSessions s = with_wizard();
  IqResult first = run(s, kStaff, kHost, command("wizard"));
  BOOST_TEST(status(first) == "executing");
  BOOST_TEST(first.payload()->attr("sessionid") == "s1");
  const Element* actions = first.payload()->child("actions", ns::kCommands);
  BOOST_REQUIRE(actions);
  BOOST_TEST(actions->attr("execute") == "next");
  BOOST_TEST(!actions->child("prev", ns::kCommands));

  IqResult second = run(s, kStaff, kHost, with_form(command("wizard", "next", "s1"), "name", "Anna"));
  BOOST_TEST(status(second) == "executing");
  actions = second.payload()->child("actions", ns::kCommands);
  BOOST_TEST(actions->attr("execute") == "complete");
  BOOST_TEST(actions->child("prev", ns::kCommands));

  // prev shows the first stage again (§3.4) and a new name can be given.
  IqResult back = run(s, kStaff, kHost, command("wizard", "prev", "s1"));
  BOOST_TEST(status(back) == "executing");
  BOOST_TEST(back.payload()->child("x", ns::kDataForms)->child_text("title", ns::kDataForms) == "Name");
  run(s, kStaff, kHost, with_form(command("wizard", "execute", "s1"), "name", "Ola"));

  IqResult done = run(s, kStaff, kHost, with_form(command("wizard", "complete", "s1"), "colour", "green"));
  BOOST_TEST(status(done) == "completed");
  BOOST_TEST(done.payload()->child_text("note", ns::kCommands) == "Ola likes green");
  BOOST_TEST(s.session_count() == 0u);
  // A completed session is gone: its id is unknown now.
  BOOST_TEST(specific(run(s, kStaff, kHost, command("wizard", "cancel", "s1"))) == "bad-sessionid");
}

BOOST_AUTO_TEST_CASE(cancel_ends_the_session) {
  AdhocSessions s = with_wizard();
  run(s, kStaff, kHost, command("wizard"));
  IqResult r = run(s, kStaff, kHost, command("wizard", "cancel", "s1"));
  BOOST_TEST(status(r) == "canceled");
  BOOST_TEST(s.session_count() == 0u);
}

BOOST_AUTO_TEST_CASE(answers_the_errors_of_section_4_6) {
  AdhocSessions s = with_wizard();
  BOOST_TEST(specific(run(s, kStaff, kHost, command("wizard", "jump"))) == "malformed-action");
  BOOST_TEST(run(s, kStaff, kHost, command("wizard", "jump")).error()->condition == "bad-request");
  BOOST_TEST(run(s, kStaff, kHost, command("missing")).error()->condition == "item-not-found");
  BOOST_TEST(run(s, kStranger, kHost, command("wizard")).error()->condition == "forbidden");
  BOOST_TEST(specific(run(s, kStaff, kHost, command("wizard", "next"))) == "bad-action");  // no session yet
  BOOST_TEST(specific(run(s, kStaff, kHost, command("wizard", "next", "made-up"))) == "bad-sessionid");

  run(s, kStaff, kHost, command("wizard"));
  // Only 'next' was offered at the first stage, and there is no previous one.
  BOOST_TEST(specific(run(s, kStaff, kHost, with_form(command("wizard", "complete", "s1"), "name", "A"))) == "bad-action");
  BOOST_TEST(specific(run(s, kStaff, kHost, command("wizard", "prev", "s1"))) == "bad-action");
  // No form, or a form the command refuses.
  BOOST_TEST(specific(run(s, kStaff, kHost, command("wizard", "next", "s1"))) == "bad-payload");
  BOOST_TEST(specific(run(s, kStaff, kHost, with_form(command("wizard", "next", "s1"), "name", ""))) == "bad-payload");
  // The session is still at its first stage after the refusals.
  BOOST_TEST(status(run(s, kStaff, kHost, with_form(command("wizard", "next", "s1"), "name", "A"))) == "executing");
}

BOOST_AUTO_TEST_CASE(a_session_belongs_to_the_full_jid_that_opened_it) {
  AdhocSessions s = with_wizard();
  run(s, kStaff, kHost, command("wizard"));
  const Jid other_resource = *Jid::parse("anna@example/phone");
  BOOST_TEST(specific(run(s, other_resource, kHost, command("wizard", "cancel", "s1"))) == "bad-sessionid");
  s.forget(kStaff);  // its stream ended
  BOOST_TEST(s.session_count() == 0u);
}

BOOST_AUTO_TEST_CASE(an_idle_session_expires) {
  AdhocLimits limits;
  limits.idle_us = 1000;
  AdhocSessions s = with_wizard(limits);
  run(s, kStaff, kHost, command("wizard"), 0);
  IqResult late = run(s, kStaff, kHost, with_form(command("wizard", "next", "s1"), "name", "A"), 5000);
  BOOST_TEST(late.error()->condition == "not-allowed");
  BOOST_TEST(specific(late) == "session-expired");
  BOOST_TEST(s.session_count() == 0u);
}

BOOST_AUTO_TEST_CASE(a_requester_holds_a_bounded_number_of_sessions) {
  AdhocLimits limits;
  limits.per_requester = 3;
  AdhocSessions s = with_wizard(limits);
  for (int i = 0; i < 50; ++i) run(s, kStaff, kHost, command("wizard"), i, "s" + std::to_string(i));
  BOOST_TEST(s.session_count() == 3u);
  // The oldest went first; the newest still work.
  BOOST_TEST(specific(run(s, kStaff, kHost, command("wizard", "cancel", "s0"), 60)) == "session-expired");
  BOOST_TEST(status(run(s, kStaff, kHost, command("wizard", "cancel", "s49"), 60)) == "canceled");
}

BOOST_AUTO_TEST_CASE(the_host_holds_a_bounded_number_of_sessions) {
  AdhocLimits limits;
  limits.total = 4;
  AdhocSessions s = with_wizard(limits);
  for (int i = 0; i < 4; ++i)
    run(s, *Jid::parse("anna@example/r" + std::to_string(i)), kHost, command("wizard"), 0, "s" + std::to_string(i));
  IqResult r = run(s, *Jid::parse("anna@example/r9"), kHost, command("wizard"), 0, "s9");
  BOOST_TEST(r.error()->condition == "resource-constraint");
}

BOOST_AUTO_TEST_CASE(a_one_stage_command_completes_at_once_without_a_session) {
  AdhocSessions s = with_wizard();
  IqResult r = run(s, kStaff, kRoom, command("note"));
  BOOST_TEST(status(r) == "completed");
  BOOST_TEST(s.session_count() == 0u);
  BOOST_TEST(run(s, kStaff, kHost, command("note")).error()->condition == "item-not-found");  // not the host's
}

BOOST_AUTO_TEST_CASE(a_node_is_added_once_and_goes_with_its_module) {
  AdhocSessions s = with_wizard();
  BOOST_CHECK_THROW(s.add(2, wizard()), std::runtime_error);
  s.remove_owned([](std::uint64_t id) { return id == 1; });
  BOOST_TEST(s.empty());
}
