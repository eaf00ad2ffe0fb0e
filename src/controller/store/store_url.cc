#include "controller/store/store_url.h"

#include "common/pg/connection.h"
#include "controller/store/pg_store.h"
#include "controller/store/sqlite_store.h"

namespace hostplane::controller {
namespace {

constexpr std::string_view kSqlite = "sqlite://";

bool StartsWith(const std::string& s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

Result<StoreUrl> ParseStoreUrl(const std::string& url) {
  if (StartsWith(url, kSqlite)) {
    std::string path = url.substr(kSqlite.size());
    if (path.empty() || path.front() != '/') {
      return Fail(
          Error::InvalidField("store", "store.path",
                              "store URL '" + url +
                                  "': a SQLite store is sqlite:// and an absolute path, as "
                                  "sqlite:///var/lib/hostplane/store.db (three slashes, no host)"));
    }
    return StoreUrl{StoreBackend::kSqlite, std::move(path)};
  }
  if (StartsWith(url, "postgresql://") || StartsWith(url, "postgres://")) {
    if (auto reason = pg::ConnInfoError(url)) {
      return Fail(
          Error::InvalidField("store", "store.url",
                              "store URL '" + url + "' is not a valid PostgreSQL URL: " + *reason));
    }
    return StoreUrl{StoreBackend::kPostgres, url};
  }
  return Fail(Error::InvalidField(
      "store", "store.scheme",
      "store URL '" + url +
          "': expected sqlite:///path/to/store.db or postgresql://user@host:port/database"));
}

std::string DefaultStoreUrl(const std::string& data_dir) {
  return std::string(kSqlite) + data_dir + "/store.db";
}

Result<std::unique_ptr<Store>> OpenStore(const std::string& url, const Clock& clock) {
  HP_ASSIGN_OR_RETURN(const StoreUrl parsed, ParseStoreUrl(url));
  if (parsed.backend == StoreBackend::kPostgres) return OpenPostgresStore(parsed.location, clock);
  return OpenSqliteStore(parsed.location, clock);
}

Result<std::unique_ptr<Store>> OpenStore(const std::string& url) {
  static const SystemClock kSystemClock;
  return OpenStore(url, kSystemClock);
}

}  // namespace hostplane::controller
