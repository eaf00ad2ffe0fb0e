#include "cmd/token.h"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/crypto.h"
#include "controller/auth/token_scopes.h"
#include "controller/store/store.h"
#include "controller/store/store_url.h"

namespace hostplane::cmd {

void AddTokenCommand(CLI::App& app, int& exit_code) {
  CLI::App* token = app.add_subcommand("token", "Manage API tokens in the local store");
  token->require_subcommand(1);
  struct Options {
    std::string name;
    std::string user;
    std::vector<std::string> scopes;
    std::string data_dir = "var";
    std::string store;  // empty: sqlite://<data-dir>/store.db
  };
  auto opt = std::make_shared<Options>();
  CLI::App* create = token->add_subcommand(
      "create",
      "Create a token and print it once (only its hash is stored): a company admin token, or with "
      "--user one of that login's, never with more rights than the login has");
  create->add_option("name", opt->name, "A name for the token, shown in the audit log")->required();
  create->add_option("--user", opt->user,
                     "The login (staff, reseller, customer or customer's user) it belongs to");
  create->add_option("--scope", opt->scopes,
                     "With --user: admin, or <area>:read / <area>:write (repeatable; default: "
                     "admin, i.e. everything the login may do)");
  create->add_option("--data-dir", opt->data_dir, "The controller's data directory")
      ->capture_default_str();
  create->add_option("--store", opt->store,
                     "The store's URL when it is not <data-dir>/store.db (as `serve --store`)");
  create->callback([opt, &exit_code] {
    auto fail = [&](const Error& e) {
      std::fprintf(stderr, "error: %s\n", e.message.c_str());
      if (e.code == ErrorCode::kInvalid) {
        for (const auto& [field, code] : e.fields) {
          std::fprintf(stderr, "  %s: %s\n", field.c_str(), code.c_str());
        }
      }
      exit_code = e.code == ErrorCode::kConflict   ? 5
                  : e.code == ErrorCode::kNotFound ? 3
                  : e.code == ErrorCode::kInvalid  ? 4
                                                   : 1;
    };
    if (!opt->scopes.empty() && opt->user.empty()) {
      std::fprintf(stderr, "error: --scope needs --user (company tokens are admin tokens)\n");
      exit_code = 2;
      return;
    }
    std::vector<std::string> scopes = opt->scopes;
    if (scopes.empty()) scopes = {"admin"};
    auto checked = auth::CheckScopes(scopes);
    if (!checked) return fail(checked.error());
    auto store = controller::OpenStore(
        opt->store.empty() ? controller::DefaultStoreUrl(std::filesystem::absolute(opt->data_dir))
                           : opt->store);
    if (!store) return fail(store.error());
    std::string token = NewApiToken();
    auto written = (*store)->Write([&](controller::StoreTxn& tx) -> Status {
      if (opt->user.empty()) {
        HP_TRY(tx.tokens().Insert(opt->name, HashApiToken(token), "admin"));
        return Ok();
      }
      HP_ASSIGN_OR_RETURN(auto user, tx.users().FindByLogin(opt->user));
      if (!user) return Fail(Error::NotFound("no login named '" + opt->user + "'"));
      controller::ApiToken t;
      t.name = opt->name;
      t.role = user->role;
      t.user_id = user->id;
      t.scopes = *checked;
      HP_TRY(tx.tokens().Insert(t, HashApiToken(token)));
      return Ok();
    });
    if (!written) return fail(written.error());
    std::printf("%s\n", token.c_str());
    exit_code = 0;
  });
}

}  // namespace hostplane::cmd
