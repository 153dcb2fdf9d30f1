// RFC 6121 Appendix A as tables: one row per existing state, in the order of A.1.
#include "subscription_machine.hpp"

#include <array>

namespace xmppd::roster {
namespace {

using S = SubState;

struct Row {
  bool forward;
  SubState next;
};
using Table = std::array<Row, kSubStateCount>;

// A.2.1 Outbound "subscribe": always routed (the contact's server decides).
constexpr Table kOutSubscribe = {{
    {true, S::none_pending_out},
    {true, S::none_pending_out},
    {true, S::none_pending_out_in},
    {true, S::none_pending_out_in},
    {true, S::to},
    {true, S::to_pending_in},
    {true, S::from_pending_out},
    {true, S::from_pending_out},
    {true, S::both},
}};
// A.2.2 Outbound "unsubscribe".
constexpr Table kOutUnsubscribe = {{
    {true, S::none},
    {true, S::none},
    {true, S::none_pending_in},
    {true, S::none_pending_in},
    {true, S::none},
    {true, S::none_pending_in},
    {true, S::from},
    {true, S::from},
    {true, S::from},
}};
// A.2.3 Outbound "subscribed": only an approval of a pending request is routed.
constexpr Table kOutSubscribed = {{
    {false, S::none},
    {false, S::none_pending_out},
    {true, S::from},
    {true, S::from_pending_out},
    {false, S::to},
    {true, S::both},
    {false, S::from},
    {false, S::from_pending_out},
    {false, S::both},
}};
// A.2.4 Outbound "unsubscribed": a denial or a cancellation; nothing to cancel is not routed.
constexpr Table kOutUnsubscribed = {{
    {false, S::none},
    {false, S::none_pending_out},
    {true, S::none},
    {true, S::none_pending_out},
    {false, S::to},
    {true, S::to},
    {true, S::none},
    {true, S::none_pending_out},
    {true, S::to},
}};

// A.3.1 Inbound "subscribe": a repeated request is not delivered again.
constexpr Table kInSubscribe = {{
    {true, S::none_pending_in},
    {true, S::none_pending_out_in},
    {false, S::none_pending_in},
    {false, S::none_pending_out_in},
    {true, S::to_pending_in},
    {false, S::to_pending_in},
    {false, S::from},
    {false, S::from_pending_out},
    {false, S::both},
}};
// A.3.2 Inbound "unsubscribe".
constexpr Table kInUnsubscribe = {{
    {false, S::none},
    {false, S::none_pending_out},
    {true, S::none},
    {true, S::none_pending_out},
    {false, S::to},
    {true, S::to},
    {true, S::none},
    {true, S::none_pending_out},
    {true, S::to},
}};
// A.3.3 Inbound "subscribed": only the answer to our pending request counts.
constexpr Table kInSubscribed = {{
    {false, S::none},
    {true, S::to},
    {false, S::none_pending_in},
    {true, S::to_pending_in},
    {false, S::to},
    {false, S::to_pending_in},
    {false, S::from},
    {true, S::both},
    {false, S::both},
}};
// A.3.4 Inbound "unsubscribed".
constexpr Table kInUnsubscribed = {{
    {false, S::none},
    {true, S::none},
    {false, S::none_pending_in},
    {true, S::none_pending_in},
    {true, S::none},
    {true, S::none_pending_in},
    {false, S::from},
    {true, S::from},
    {true, S::from},
}};

const Table& outbound_table(SubStanza s) {
  switch (s) {
    case SubStanza::subscribe:
      return kOutSubscribe;
    case SubStanza::subscribed:
      return kOutSubscribed;
    case SubStanza::unsubscribe:
      return kOutUnsubscribe;
    case SubStanza::unsubscribed:
      return kOutUnsubscribed;
  }
  return kOutSubscribe;
}

const Table& inbound_table(SubStanza s) {
  switch (s) {
    case SubStanza::subscribe:
      return kInSubscribe;
    case SubStanza::subscribed:
      return kInSubscribed;
    case SubStanza::unsubscribe:
      return kInUnsubscribe;
    case SubStanza::unsubscribed:
      return kInUnsubscribed;
  }
  return kInSubscribe;
}

// §3.4: a pre-approval only means something while the contact has no subscription and has
// not asked for one (a pending request is approved by "subscribed" the ordinary way).
bool can_preapprove(SubState s) { return !has_from(s) && !pending_in(s); }

// What the contact's subscription becomes when the user approves it: the "from" half added.
SubState with_from(SubState s) {
  switch (s) {
    case S::none:
      return S::from;
    case S::none_pending_out:
      return S::from_pending_out;
    case S::to:
      return S::both;
    default:
      return s;
  }
}

}  // namespace

bool has_to(SubState s) { return s == S::to || s == S::to_pending_in || s == S::both; }
bool has_from(SubState s) { return s == S::from || s == S::from_pending_out || s == S::both; }
bool pending_out(SubState s) {
  return s == S::none_pending_out || s == S::none_pending_out_in || s == S::from_pending_out;
}
bool pending_in(SubState s) { return s == S::none_pending_in || s == S::none_pending_out_in || s == S::to_pending_in; }

Transition outbound(ItemState current, SubStanza stanza) {
  const Row& row = outbound_table(stanza)[static_cast<int>(current.state)];
  Transition t{{row.next, current.preapproved && !has_from(row.next)}, row.forward, false};
  if (can_preapprove(current.state)) {
    // §3.4.1: "subscribed" with no request pending pre-approves; "unsubscribed" withdraws it.
    if (stanza == SubStanza::subscribed) t.next.preapproved = true;
    if (stanza == SubStanza::unsubscribed) t.next.preapproved = false;
  }
  return t;
}

Transition inbound(ItemState current, SubStanza stanza) {
  if (stanza == SubStanza::subscribe) {
    if (has_from(current.state)) return {current, false, true};  // A.3.1: already subscribed
    if (current.preapproved && can_preapprove(current.state))    // §3.4.2
      return {{with_from(current.state), false}, false, true};
  }
  const Row& row = inbound_table(stanza)[static_cast<int>(current.state)];
  return {{row.next, current.preapproved && !has_from(row.next)}, row.forward, false};
}

ItemState state_of(const RosterItem& item) {
  ItemState st;
  st.preapproved = item.preapproved;
  switch (item.subscription) {
    case Subscription::both:
      st.state = S::both;
      break;
    case Subscription::to:
      st.state = item.pending_in ? S::to_pending_in : S::to;
      break;
    case Subscription::from:
      st.state = item.pending_out ? S::from_pending_out : S::from;
      break;
    default:
      st.state = item.pending_out ? (item.pending_in ? S::none_pending_out_in : S::none_pending_out)
                                  : (item.pending_in ? S::none_pending_in : S::none);
  }
  return st;
}

void apply(const ItemState& st, RosterItem& item) {
  Subscription sub = Subscription::none;
  if (has_to(st.state) && has_from(st.state))
    sub = Subscription::both;
  else if (has_to(st.state))
    sub = Subscription::to;
  else if (has_from(st.state))
    sub = Subscription::from;
  item.subscription = sub;
  item.pending_out = pending_out(st.state);
  item.pending_in = pending_in(st.state);
  item.preapproved = st.preapproved;
  if (!item.pending_in) item.pending_in_stanza.clear();
}

std::optional<SubStanza> sub_stanza_from(std::string_view type) {
  if (type == "subscribe") return SubStanza::subscribe;
  if (type == "subscribed") return SubStanza::subscribed;
  if (type == "unsubscribe") return SubStanza::unsubscribe;
  if (type == "unsubscribed") return SubStanza::unsubscribed;
  return std::nullopt;
}

const char* to_string(SubStanza s) {
  switch (s) {
    case SubStanza::subscribe:
      return "subscribe";
    case SubStanza::subscribed:
      return "subscribed";
    case SubStanza::unsubscribe:
      return "unsubscribe";
    case SubStanza::unsubscribed:
      return "unsubscribed";
  }
  return "";
}

const char* to_string(SubState s) {
  switch (s) {
    case S::none:
      return "None";
    case S::none_pending_out:
      return "None + Pending Out";
    case S::none_pending_in:
      return "None + Pending In";
    case S::none_pending_out_in:
      return "None + Pending Out/In";
    case S::to:
      return "To";
    case S::to_pending_in:
      return "To + Pending In";
    case S::from:
      return "From";
    case S::from_pending_out:
      return "From + Pending Out";
    case S::both:
      return "Both";
  }
  return "";
}

}  // namespace xmppd::roster
