#include "agent/drivers/mail/sending_counters.h"

namespace hostplane::agent {
namespace {

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS sent (account TEXT NOT NULL, minute INTEGER NOT NULL, "
    "n INTEGER NOT NULL, PRIMARY KEY (account, minute)) WITHOUT ROWID";
constexpr const char* kCount =
    "SELECT COALESCE(SUM(n), 0) FROM sent WHERE account = ?1 AND minute >= ?2";
constexpr const char* kAdd =
    "INSERT INTO sent (account, minute, n) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (account, minute) DO UPDATE SET n = n + excluded.n";
constexpr const char* kPrune = "DELETE FROM sent WHERE minute < ?1";

}  // namespace

Result<SendingCounters> SendingCounters::Open(const std::string& path) {
  auto db = sqlite::Database::Open(path, /*durable=*/true);
  if (!db) return Fail(db.error().Wrap("opening the sending counters " + path));
  HP_TRY(db->Exec(kSchema));
  return SendingCounters(std::move(*db));
}

Result<int64_t> SendingCounters::Count(const std::string& account, int64_t since_minute) {
  auto st = db_.Prepare(kCount);
  if (!st) return Fail(st.error());
  st->Bind(1, account).Bind(2, since_minute);
  auto row = st->Step();
  if (!row) return Fail(row.error());
  return *row ? st->Int(0) : 0;
}

Status SendingCounters::Add(const std::string& account, int64_t minute, int64_t n) {
  auto st = db_.Prepare(kAdd);
  if (!st) return Fail(st.error());
  st->Bind(1, account).Bind(2, minute).Bind(3, n);
  HP_TRY(st->Run());
  if (minute - pruned_minute_ >= 10) {
    auto prune = db_.Prepare(kPrune);
    if (!prune) return Fail(prune.error());
    prune->Bind(1, minute - 120);
    HP_TRY(prune->Run());
    pruned_minute_ = minute;
  }
  return Ok();
}

}  // namespace hostplane::agent
