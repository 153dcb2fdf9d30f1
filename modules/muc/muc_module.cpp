// XEP-0045 Multi-User Chat on a room host (conference.D by default): registers the hooks that
// hand every stanza addressed to a room or an occupant to MucHost, the service's disco identity
// (§6.1) and the MucRooms API (xmppd/muc.hpp) for other modules on the host.
#include "muc_host.hpp"
#include "xmppd/module.hpp"
#include "xmppd/namespaces.hpp"

namespace xmppd {
namespace {

class MucModule final : public Module {
 public:
  explicit MucModule(ModuleContext& ctx) : host_(ctx.server(), settings(ctx)) {
    // §6.1: the service is a conference service of type text.
    ctx.add_identity("conference", "text", "Chatrooms");
    ctx.add_feature(muc::kMuc);
    ctx.add_feature(muc::kDirectInvite);  // XEP-0249 §2: invitations clients send each other
    for (auto kind : {StanzaKind::presence, StanzaKind::message, StanzaKind::iq}) {
      for (auto target : {Target::bare, Target::full}) {
        ctx.on_stanza({kind, Hop::incoming, target}, priority::kNormal, [this, kind](StanzaEvent& ev) {
          if (kind == StanzaKind::presence) return host_.on_presence(ev);
          if (kind == StanzaKind::message) return host_.on_message(ev);
          return host_.on_iq(ev);
        });
      }
    }
    ctx.on_stanza({StanzaKind::iq, Hop::incoming, Target::host}, priority::kNormal,
                  [this](StanzaEvent& ev) { return host_.on_host_iq(ev); });
    ctx.provide<MucRooms>(host_);
    host_.start();
  }

 private:
  static muc::MucSettings settings(ModuleContext& ctx) {
    const Options& o = ctx.options();
    muc::MucSettings s;
    s.host = ctx.host();
    s.history_max = static_cast<std::uint32_t>(o.integer("history_max"));
    s.defaults.history_fetch = static_cast<std::uint32_t>(o.integer("history_default"));
    s.defaults.persistent = o.boolean("default_persistent");
    s.defaults.public_room = o.boolean("default_public");
    s.defaults.members_only = o.boolean("default_members_only");
    s.defaults.non_anonymous = o.boolean("default_non_anonymous");
    s.defaults.logging = o.boolean("default_logging");
    s.anonymous_may_create = o.boolean("anonymous_may_create");
    s.creators = o.strings("creators");
    return s;
  }

  muc::MucHost host_;
};

ModuleInfo describe() {
  ModuleInfo m;
  m.name = "muc";
  m.summary = "XEP-0045 Multi-User Chat rooms";
  m.xeps = {"XEP-0045 1.34 rooms, affiliations, roles, configuration, moderation, invitations",
            "XEP-0249 1.2 direct invitations (routed)", "XEP-0359 0.7 stanza-id by the room",
            "XEP-0410 1.1 self-ping answered by the service"};
  m.options = {
      {"history_max", OptionType::integer, "100", 0, 100000,
       "Messages kept per room for history on join, and the most a room may send (muc#maxhistoryfetch)"},
      {"history_default", OptionType::integer, "20", 0, 100000, "muc#maxhistoryfetch of a new room"},
      {"default_persistent", OptionType::boolean, "false", 0, INT64_MAX, "New rooms are persistent"},
      {"default_public", OptionType::boolean, "true", 0, INT64_MAX, "New rooms are listed (disco#items)"},
      {"default_members_only", OptionType::boolean, "false", 0, INT64_MAX, "New rooms are members-only"},
      {"default_non_anonymous", OptionType::boolean, "false", 0, INT64_MAX,
       "New rooms show real JIDs to everyone (false: to moderators only)"},
      {"default_logging", OptionType::boolean, "false", 0, INT64_MAX,
       "New rooms are logged (muc#roomconfig_enablelogging, status 170): their messages go to the "
       "message archive (XEP-0313) when the mam module runs on this host"},
      {"anonymous_may_create", OptionType::boolean, "false", 0, INT64_MAX,
       "Visitors (SASL ANONYMOUS sessions) may create rooms"},
      {"creators", OptionType::string_list, "", 0, INT64_MAX,
       "Bare JIDs or domains that may create rooms; empty: any account"},
  };
  // "service": chat.D also serves rooms, the livechat conversations (modules/livechat), so that
  // visitors, who may reach only chat.D, can take part; there the livechat module decides who
  // enters and no one else creates rooms.
  m.default_hosts = {"conference", "service"};
  m.create = [](ModuleContext& ctx) { return std::make_unique<MucModule>(ctx); };
  return m;
}

XMPPD_REGISTER_MODULE(describe);

}  // namespace
}  // namespace xmppd
