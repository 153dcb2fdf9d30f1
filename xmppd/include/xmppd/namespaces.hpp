// Namespace names used across the core and modules.
#pragma once

namespace xmppd::ns {
inline constexpr char kClient[] = "jabber:client";
inline constexpr char kServer[] = "jabber:server";
inline constexpr char kComponent[] = "jabber:component:accept";
inline constexpr char kStream[] = "http://etherx.jabber.org/streams";
inline constexpr char kStreamErrors[] = "urn:ietf:params:xml:ns:xmpp-streams";
inline constexpr char kStanzaErrors[] = "urn:ietf:params:xml:ns:xmpp-stanzas";
inline constexpr char kTls[] = "urn:ietf:params:xml:ns:xmpp-tls";
inline constexpr char kSasl[] = "urn:ietf:params:xml:ns:xmpp-sasl";
inline constexpr char kBind[] = "urn:ietf:params:xml:ns:xmpp-bind";
inline constexpr char kSession[] = "urn:ietf:params:xml:ns:xmpp-session";
inline constexpr char kXml[] = "http://www.w3.org/XML/1998/namespace";
inline constexpr char kChannelBinding[] = "urn:xmpp:sasl-cb:0";  // XEP-0440
inline constexpr char kRoster[] = "jabber:iq:roster";
inline constexpr char kRosterVer[] = "urn:xmpp:features:rosterver";
inline constexpr char kPreApproval[] = "urn:xmpp:features:pre-approval";
inline constexpr char kDiscoInfo[] = "http://jabber.org/protocol/disco#info";
inline constexpr char kDiscoItems[] = "http://jabber.org/protocol/disco#items";
inline constexpr char kCaps[] = "http://jabber.org/protocol/caps";
inline constexpr char kPing[] = "urn:xmpp:ping";
inline constexpr char kVersion[] = "jabber:iq:version";
inline constexpr char kVCard[] = "vcard-temp";
inline constexpr char kPrivate[] = "jabber:iq:private";
inline constexpr char kBlocking[] = "urn:xmpp:blocking";
inline constexpr char kBlockingErrors[] = "urn:xmpp:blocking:errors";
inline constexpr char kCarbons[] = "urn:xmpp:carbons:2";
inline constexpr char kForward[] = "urn:xmpp:forward:0";
inline constexpr char kHints[] = "urn:xmpp:hints";
inline constexpr char kDelay[] = "urn:xmpp:delay";
inline constexpr char kOffline[] = "msgoffline";
inline constexpr char kStreamManagement[] = "urn:xmpp:sm:3";
inline constexpr char kCsi[] = "urn:xmpp:csi:0";
inline constexpr char kDataForms[] = "jabber:x:data";
inline constexpr char kComponentHandshake[] = "jabber:component:accept";
}  // namespace xmppd::ns
