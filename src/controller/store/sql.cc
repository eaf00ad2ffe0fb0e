#include "controller/store/sql.h"

namespace hostplane::controller::sql {

Status Exec(Connection& db, std::string_view sql, const Params& params) {
  return db.Run(sql, params, [](const Row&) { return Ok(); });
}

Result<int64_t> Scalar(Connection& db, std::string_view sql, const Params& params,
                       std::string_view column) {
  std::optional<int64_t> out;
  HP_TRY(db.Run(sql, params, [&](const Row& row) -> Status {
    if (!out) out = row.Int(column);
    return Ok();
  }));
  if (!out) return Fail(Error::Internal("no row from: " + std::string(sql)));
  return *out;
}

Result<int64_t> InsertReturningId(Connection& db, std::string_view sql, const Params& params,
                                  const std::string& what) {
  auto id = db.Insert(sql, params);
  if (!id) return Fail(id.error().Wrap(what));
  return id;
}

Status ExecOne(Connection& db, std::string_view sql, const Params& params, const Error& missing) {
  HP_TRY(Exec(db, sql, params));
  if (db.Changes() == 0) return Fail(missing);
  return Ok();
}

}  // namespace hostplane::controller::sql
