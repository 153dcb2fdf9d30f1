// Versioned schema migrations, embedded from schema/<backend>/NNNN_<area>_<change>.sql.
#pragma once
#include <string>
#include <vector>

namespace xmppd {
struct Migration {
  const char* backend;  // "sqlite" | "mariadb"
  const char* version;  // file name without .sql, e.g. "0001_core_accounts"
  const char* sql;
};
const std::vector<Migration>& embedded_migrations();
}  // namespace xmppd
