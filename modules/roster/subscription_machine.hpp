// The presence subscription state machine of RFC 6121 Appendix A (A.2 outbound, A.3 inbound),
// with subscription pre-approval (§3.4); a plain value type, no I/O.
//
// A roster item is in one of the nine states of Appendix A.1 ("None", "None + Pending Out", …,
// "Both"), plus the pre-approved flag of §3.4. A subscription stanza (subscribe, subscribed,
// unsubscribe, unsubscribed) sent by the user (outbound) or received for the user (inbound)
// moves it to a new state and says whether the stanza goes on: routed to the contact
// (outbound) or delivered to the user's available resources (inbound). The presence module
// applies a Transition to the stored item; the roster module uses the same states to build
// roster items (subscription and ask attributes).
#pragma once
#include <optional>
#include <string_view>

#include "xmppd/storage.hpp"

namespace xmppd::roster {

// RFC 6121 Appendix A.1, in the RFC's order.
enum class SubState {
  none,
  none_pending_out,
  none_pending_in,
  none_pending_out_in,
  to,
  to_pending_in,
  from,
  from_pending_out,
  both,
};
inline constexpr int kSubStateCount = 9;

enum class SubStanza { subscribe, subscribed, unsubscribe, unsubscribed };

// The state of one item: an Appendix A state and the §3.4 pre-approval.
struct ItemState {
  SubState state = SubState::none;
  bool preapproved = false;
  friend bool operator==(const ItemState&, const ItemState&) = default;
};

struct Transition {
  ItemState next;
  // Outbound: route the stanza to the contact. Inbound: deliver it to the user.
  bool forward = false;
  // Inbound subscribe the server answers itself with "subscribed" on the user's behalf: the
  // contact already has a subscription (A.3.1, note) or was pre-approved (§3.4).
  bool auto_subscribed = false;
};

// The user sends a subscription stanza to the contact (A.2; §3.4 for "subscribed" without a
// pending request and "unsubscribed" cancelling a pre-approval).
Transition outbound(ItemState current, SubStanza stanza);
// The contact's subscription stanza arrives for the user (A.3; §3.4 auto-approval).
Transition inbound(ItemState current, SubStanza stanza);

// The user receives the contact's presence ("to" half) / the contact receives the user's.
bool has_to(SubState s);
bool has_from(SubState s);
bool pending_out(SubState s);
bool pending_in(SubState s);

// Between stored items and states. apply() leaves the other fields of the item alone.
ItemState state_of(const RosterItem& item);
void apply(const ItemState& state, RosterItem& item);

std::optional<SubStanza> sub_stanza_from(std::string_view presence_type);
const char* to_string(SubStanza s);
// "None + Pending Out" etc., as Appendix A writes them (for logs and test messages).
const char* to_string(SubState s);

}  // namespace xmppd::roster
