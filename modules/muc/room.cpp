// XEP-0045 room state and the privilege rules of §5.1-§5.2 (tables in §5.1.1 and §5.2.1).
#include "room.hpp"

#include <algorithm>

namespace xmppd::muc {

MucAffiliation Room::affiliation(const Jid& user) const {
  std::string key = user.bare_str();
  for (const auto& [jid, a] : affiliations_)
    if (jid == key) return a;
  return MucAffiliation::none;
}

void Room::set_affiliation(const Jid& user, MucAffiliation a) {
  std::string key = user.bare_str();
  auto it = std::find_if(affiliations_.begin(), affiliations_.end(), [&](const auto& e) { return e.first == key; });
  if (a == MucAffiliation::none) {
    if (it != affiliations_.end()) affiliations_.erase(it);
    return;
  }
  if (it != affiliations_.end()) it->second = a;
  else affiliations_.emplace_back(std::move(key), a);
}

int Room::owner_count() const {
  return static_cast<int>(std::count_if(affiliations_.begin(), affiliations_.end(),
                                        [](const auto& e) { return e.second == MucAffiliation::owner; }));
}

Occupant* Room::by_nick(std::string_view nick) {
  for (auto& o : occupants_)
    if (o.nick == nick) return &o;
  return nullptr;
}

Occupant* Room::by_session(const Jid& full) {
  for (auto& o : occupants_)
    if (o.bare.local() == full.local() && o.bare.domain() == full.domain() &&
        std::find(o.resources.begin(), o.resources.end(), full.resource()) != o.resources.end())
      return &o;
  return nullptr;
}

std::vector<Occupant*> Room::by_user(const Jid& bare) {
  std::vector<Occupant*> out;
  for (auto& o : occupants_)
    if (o.bare.local() == bare.local() && o.bare.domain() == bare.domain()) out.push_back(&o);
  return out;
}

bool Room::hidden(const Jid& user) const {
  return std::find(hidden_.begin(), hidden_.end(), user.bare_str()) != hidden_.end();
}

void Room::set_hidden(const Jid& user, bool hide) {
  std::erase(hidden_, user.bare_str());
  if (hide) hidden_.push_back(user.bare_str());
}

void Room::remove(const Occupant& o) {
  std::erase_if(occupants_, [&](const Occupant& x) { return &x == &o; });
}

MucRole Room::default_role(MucAffiliation a) const {
  switch (a) {
    case MucAffiliation::owner:
    case MucAffiliation::admin:
      return MucRole::moderator;  // §5.1.2
    case MucAffiliation::member:
      return MucRole::participant;
    case MucAffiliation::none:
      return config_.moderated ? MucRole::visitor : MucRole::participant;  // §5.1.2
    case MucAffiliation::outcast:
      break;
  }
  return MucRole::none;
}

std::optional<StanzaError> Room::check_role_change(const Occupant& actor, const Occupant& target, MucRole role) const {
  MucAffiliation actor_aff = affiliation(actor.bare), target_aff = affiliation(target.bare);
  if (role == MucRole::moderator || target.role == MucRole::moderator) {
    // §9.6/§9.7: granting or revoking moderator is an admin's (or owner's) act, and an
    // affiliation-given moderator (admin, owner) keeps the role.
    if (actor_aff < MucAffiliation::admin) return StanzaError::forbidden();
    if (role != MucRole::moderator && target_aff >= MucAffiliation::admin) return StanzaError::not_allowed();
    return std::nullopt;
  }
  if (actor.role != MucRole::moderator) return StanzaError::forbidden();  // §8.2-§8.4
  // §8.2: a moderator cannot kick (or silence, §8.4) an admin or owner, nor anyone above itself.
  if (target_aff >= MucAffiliation::admin || target_aff > actor_aff) return StanzaError::not_allowed();
  return std::nullopt;
}

std::optional<StanzaError> Room::check_affiliation_change(std::optional<MucAffiliation> actor, const Jid& target,
                                                          MucAffiliation a) const {
  MucAffiliation current = affiliation(target);
  if (actor) {
    if (*actor < MucAffiliation::admin) return StanzaError::forbidden();  // §9.1
    // §10.3-§10.7: only owners grant or take admin and owner; §9.1: admins cannot touch them.
    bool owners_only = a >= MucAffiliation::admin || current >= MucAffiliation::admin;
    if (owners_only && *actor != MucAffiliation::owner) return StanzaError::not_allowed();
  }
  // §10.7: a room always keeps an owner.
  if (current == MucAffiliation::owner && a != MucAffiliation::owner && owner_count() == 1)
    return StanzaError::conflict();
  return std::nullopt;
}

}  // namespace xmppd::muc
