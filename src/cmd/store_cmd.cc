#include "cmd/store_cmd.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "cli/exit_codes.h"
#include "cmd/bootstrap.h"
#include "common/crypto.h"
#include "controller/store/store_copy.h"
#include "controller/store/store_url.h"

namespace hostplane::cmd {
namespace {

struct MigrateOptions {
  std::string from;  // empty: sqlite://<data-dir>/store.db
  std::string to;
  std::string data_dir = "var";
};

int ExitCodeFor(const Error& e) {
  switch (e.code) {
    case ErrorCode::kNotFound:
      return cli::kExitNotFound;
    case ErrorCode::kInvalid:
      return cli::kExitInvalid;
    case ErrorCode::kConflict:
      return cli::kExitConflict;
    case ErrorCode::kUnavailable:
      return cli::kExitUnreachable;
    default:
      return cli::kExitUnexpected;
  }
}

int Report(const Error& e) {
  std::fprintf(stderr, "error: %s\n", e.message.c_str());
  for (const auto& [field, code] : e.fields) {
    std::fprintf(stderr, "  %s: %s\n", field.c_str(), code.c_str());
  }
  return ExitCodeFor(e);
}

int Migrate(const MigrateOptions& opt) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const std::string from_url =
      opt.from.empty() ? controller::DefaultStoreUrl(fs::absolute(opt.data_dir, ec).string())
                       : opt.from;
  auto from = controller::ParseStoreUrl(from_url);
  if (!from) return Report(from.error().Wrap("--from"));
  auto to = controller::ParseStoreUrl(opt.to);
  if (!to) return Report(to.error().Wrap("--to"));
  if (from->backend != controller::StoreBackend::kSqlite ||
      to->backend != controller::StoreBackend::kPostgres) {
    return Report(Error{ErrorCode::kInvalid,
                        "a store moves from SQLite (--from sqlite:///…/store.db) to PostgreSQL "
                        "(--to postgresql://…), not the other way",
                        {{"store", "store.migrate_direction"}}});
  }
  // No controller may write the store while it is copied: take the one-controller lock of the
  // data directory the store is in (`up` and `serve` hold it while they run).
  const std::string dir = fs::path(from->location).parent_path().string();
  if (auto s = LockExclusively(dir, "controller.lock"); !s) {
    if (s.error().code == ErrorCode::kConflict) {
      return Report(Error{ErrorCode::kConflict,
                          "a controller is running on " + dir +
                              " (hostplane up or serve holds its controller.lock): stop it first, "
                              "then migrate; the store must not change during the copy",
                          {{"from", "store.in_use"}}});
    }
    return Report(s.error());
  }
  if (auto s = InitCrypto(); !s) return Report(s.error());
  std::printf("copying the SQLite store %s into PostgreSQL (one transaction)...\n",
              from->location.c_str());
  std::fflush(stdout);
  const auto start = std::chrono::steady_clock::now();
  auto report = controller::CopySqliteStoreToPostgres(
      from->location, to->location, [](const controller::TableCopy& t) {
        std::printf("  %-18s %9lld rows  checksum %s\n", t.table.c_str(),
                    static_cast<long long>(t.rows), t.checksum.c_str());
        std::fflush(stdout);
      });
  if (!report) return Report(report.error());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "copied %lld rows of %zu tables in %.1f s; every table's row count and checksum match.\n\n"
      "Next: start the controller on the new store with the same data directory (its keys and\n"
      "token file stay there), giving the same URL as --to:\n"
      "  hostplane up --data-dir %s --store '<the --to URL>'       (the all-in-one)\n"
      "  hostplane serve --data-dir %s --store '<the --to URL>'    (a controller on NATS)\n"
      "The SQLite file is left as it was; the controller no longer reads it once started with\n"
      "--store. Keep it until you have checked the new store (docs/database.md).\n",
      static_cast<long long>(report->rows()), report->tables.size(), seconds, dir.c_str(),
      dir.c_str());
  return cli::kExitOk;
}

}  // namespace

void AddStoreCommand(CLI::App& app, int& exit_code) {
  CLI::App* store = app.add_subcommand("store", "The controller's store");
  store->require_subcommand(1);
  auto opt = std::make_shared<MigrateOptions>();
  CLI::App* migrate = store->add_subcommand(
      "migrate",
      "Copy an all-in-one's SQLite store into an empty PostgreSQL database, ids, revisions and "
      "counters kept, verified table by table (stop the controller first)");
  migrate->add_option("--to", opt->to, "The PostgreSQL store's URL (postgresql://user@host/db)")
      ->required();
  migrate->add_option("--from", opt->from,
                      "The SQLite store's URL (default: sqlite://<data-dir>/store.db)");
  migrate->add_option("--data-dir", opt->data_dir, "The controller's data directory")
      ->capture_default_str();
  migrate->callback([opt, &exit_code] { exit_code = Migrate(*opt); });
}

}  // namespace hostplane::cmd
