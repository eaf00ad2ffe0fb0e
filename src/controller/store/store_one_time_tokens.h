#pragma once

// The OneTimeTokenStore of one-time links (controller/auth/one_time_links.h) over the store's
// one_time_links table: each method one transaction, Take a delete that only one of two racing
// requests wins. Thread-safe.

#include "controller/auth/one_time_links.h"
#include "controller/store/store.h"

namespace hostplane::controller {

class StoreOneTimeTokens final : public auth::OneTimeTokenStore {
 public:
  explicit StoreOneTimeTokens(Store& store) : store_(store) {}
  Status Insert(const auth::OneTimeRecord& record) override;
  Result<std::optional<auth::OneTimeRecord>> Find(std::string_view hash,
                                                  auth::LinkPurpose purpose) override;
  Result<std::optional<auth::OneTimeRecord>> Take(std::string_view hash,
                                                  auth::LinkPurpose purpose) override;
  Status RemoveSubject(std::string_view subject, auth::LinkPurpose purpose) override;
  Status RemoveExpired(int64_t now_ms) override;

 private:
  Store& store_;
};

}  // namespace hostplane::controller
