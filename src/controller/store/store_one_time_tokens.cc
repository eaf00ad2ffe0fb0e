#include "controller/store/store_one_time_tokens.h"

namespace hostplane::controller {

Status StoreOneTimeTokens::Insert(const auth::OneTimeRecord& record) {
  return store_.Write([&](StoreTxn& tx) { return tx.links().Insert(record); });
}

Result<std::optional<auth::OneTimeRecord>> StoreOneTimeTokens::Find(std::string_view hash,
                                                                    auth::LinkPurpose purpose) {
  return store_.Read([&](StoreTxn& tx) { return tx.links().Find(std::string(hash), purpose); });
}

Result<std::optional<auth::OneTimeRecord>> StoreOneTimeTokens::Take(std::string_view hash,
                                                                    auth::LinkPurpose purpose) {
  std::optional<auth::OneTimeRecord> out;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    out.reset();
    HP_ASSIGN_OR_RETURN(out, tx.links().Find(std::string(hash), purpose));
    if (!out) return Ok();
    HP_ASSIGN_OR_RETURN(bool removed, tx.links().Remove(std::string(hash), purpose));
    if (!removed) out.reset();
    return Ok();
  }));
  return out;
}

Status StoreOneTimeTokens::RemoveSubject(std::string_view subject, auth::LinkPurpose purpose) {
  return store_.Write(
      [&](StoreTxn& tx) { return tx.links().RemoveSubject(std::string(subject), purpose); });
}

Status StoreOneTimeTokens::RemoveExpired(int64_t now_ms) {
  return store_.Write([&](StoreTxn& tx) { return tx.links().RemoveExpired(now_ms); });
}

}  // namespace hostplane::controller
