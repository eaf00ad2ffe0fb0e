#include "cmd/token.h"

#include <cstdio>
#include <memory>
#include <string>

#include "common/crypto.h"
#include "controller/store/store.h"

namespace hostplane::cmd {

void AddTokenCommand(CLI::App& app, int& exit_code) {
  CLI::App* token = app.add_subcommand("token", "Manage admin API tokens in the local store");
  token->require_subcommand(1);
  struct Options {
    std::string name;
    std::string data_dir = "var";
  };
  auto opt = std::make_shared<Options>();
  CLI::App* create = token->add_subcommand(
      "create", "Create an admin token and print it once (only its hash is stored)");
  create->add_option("name", opt->name, "A name for the token, shown in the audit log")->required();
  create->add_option("--data-dir", opt->data_dir, "The controller's data directory")
      ->capture_default_str();
  create->callback([opt, &exit_code] {
    auto store = controller::OpenSqliteStore(opt->data_dir + "/store.db");
    if (!store) {
      std::fprintf(stderr, "error: %s\n", store.error().message.c_str());
      exit_code = 1;
      return;
    }
    std::string token = NewApiToken();
    auto written = (*store)->Write([&](controller::StoreTxn& tx) -> Status {
      HP_TRY(tx.tokens().Insert(opt->name, HashApiToken(token), "admin"));
      return Ok();
    });
    if (!written) {
      std::fprintf(stderr, "error: %s\n", written.error().message.c_str());
      exit_code = written.error().code == ErrorCode::kConflict ? 5 : 1;
      return;
    }
    std::printf("%s\n", token.c_str());
    exit_code = 0;
  });
}

}  // namespace hostplane::cmd
