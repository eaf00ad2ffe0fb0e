#pragma once

// Which store a controller opens, by URL: `sqlite:///absolute/path/store.db` (the all-in-one's
// default) or `postgresql://user@host:port/db` (libpq's URL, several hosts allowed:
// postgresql://h1:5432,h2:5432/db?target_session_attrs=read-write; also `postgres://`).

#include <memory>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "controller/store/store.h"

namespace hostplane::controller {

enum class StoreBackend { kSqlite, kPostgres };

struct StoreUrl {
  StoreBackend backend = StoreBackend::kSqlite;
  std::string location;  // the SQLite file's path, or the libpq URL as given
};

// Errors: kInvalid on field "store": "store.scheme" (neither sqlite:// nor postgresql://),
// "store.path" (a SQLite path that is not absolute, or a host in a sqlite URL),
// "store.url" (a PostgreSQL URL libpq cannot parse; its reason in the message).
[[nodiscard]] Result<StoreUrl> ParseStoreUrl(const std::string& url);

// The URL of the all-in-one's store in data_dir.
std::string DefaultStoreUrl(const std::string& data_dir);

// Opens (creating or migrating as needed) the store at url. clock must outlive the store.
[[nodiscard]] Result<std::unique_ptr<Store>> OpenStore(const std::string& url, const Clock& clock);
[[nodiscard]] Result<std::unique_ptr<Store>> OpenStore(const std::string& url);

}  // namespace hostplane::controller
