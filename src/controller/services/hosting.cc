#include "controller/services/hosting.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <utility>

namespace hostplane::controller {
namespace {

// A key for this process only, when the options bring none (tests): secrets stored with it do
// not open after a restart.
std::shared_ptr<const MasterKey> EphemeralMasterKey() {
  auto key = MasterKey::Generate();
  if (!key) {
    spdlog::critical("no master key: {}", key.error().message);
    std::abort();
  }
  return std::make_shared<const MasterKey>(std::move(*key));
}

}  // namespace

Hosting::Hosting(Store& store, TaskEngine& engine, const Clock& clock, HostingOptions options)
    : options_(std::move(options)),
      runner_(store, engine, authorizer_),
      vault_(options_.master_key ? options_.master_key : EphemeralMasterKey()),
      mail_accounts_(vault_),
      accounts_(&mail_accounts_),
      dns_(store, runner_, options_),
      sites_(store, runner_, accounts_, dns_, options_),
      mail_(store, runner_, dns_, vault_, accounts_, mail_accounts_, options_),
      ftp_(runner_, accounts_, options_),
      databases_(runner_, dns_, options_),
      certificates_(runner_, options_),
      customers_(store, runner_, {accounts_, sites_, ftp_, databases_, mail_, mail_accounts_},
                 options_),
      plans_(store, runner_),
      resellers_(store, runner_, customers_),
      users_(store, runner_),
      tokens_(store, runner_, clock),
      nodes_(store, runner_, clock, dns_, options_),
      copies_(dns_),
      drains_(runner_, {customers_, mail_, dns_, copies_}, options_),
      tasks_(store, engine, runner_),
      resources_(store, authorizer_),
      files_(store, engine.bus(), engine.signing_key(), authorizer_, clock, options_.files),
      result_hook_(authorizer_, certificates_, copies_, dns_, mail_, accounts_) {}

}  // namespace hostplane::controller
