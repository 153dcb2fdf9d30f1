// PLACEHOLDER: replaced by the JID/PRECIS implementation.
#include "xmppd/jid.hpp"
