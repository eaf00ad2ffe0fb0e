#include "stale_accounts.h"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>

#include <set>

#include "common/exec/command_runner.h"
#include "protocol/validate.h"

namespace hostplane::testing {
namespace {

constexpr const char* kUserdel = "/usr/sbin/userdel";
constexpr const char* kGroupdel = "/usr/sbin/groupdel";

bool InScope(const StaleAccountScope& scope, int64_t id, const std::string& name) {
  return id >= scope.uid_first && id <= scope.uid_last &&
         name.compare(0, scope.name_prefix.size(), scope.name_prefix) == 0;
}

bool Exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

bool Run(CommandRunner& runner, const char* tool, const std::string& name) {
  Command cmd;
  cmd.argv = {tool, "--", name};
  cmd.timeout = std::chrono::milliseconds(30'000);
  auto out = runner.Run(cmd);
  return out && out->ok();
}

}  // namespace

std::vector<std::string> SweepStaleAccounts(const StaleAccountScope& scope) {
  struct Stale {
    std::string name;
    bool user;
  };
  std::vector<Stale> stale;
  std::set<gid_t> primary_gids;  // of every user, stale or not
  ::setpwent();
  while (passwd* pw = ::getpwent()) {
    primary_gids.insert(pw->pw_gid);
    if (pw->pw_gecos != std::string_view(protocol::kAccountUserComment)) continue;
    if (!InScope(scope, pw->pw_uid, pw->pw_name)) continue;
    if (scope.only_without_home && Exists(pw->pw_dir)) continue;
    stale.push_back({pw->pw_name, true});
  }
  ::endpwent();
  if (scope.only_without_home && stale.empty()) return {};
  std::set<std::string> user_names;
  for (const auto& s : stale) user_names.insert(s.name);
  ::setgrent();
  while (group* gr = ::getgrent()) {
    if (!InScope(scope, gr->gr_gid, gr->gr_name)) continue;
    // The group of a stale user's name; or, in a range held exclusively, any group no user has
    // as its own (an account made up to its group when its test died).
    bool orphan = !scope.only_without_home && primary_gids.count(gr->gr_gid) == 0;
    if (user_names.count(gr->gr_name) > 0 || orphan) stale.push_back({gr->gr_name, false});
  }
  ::endgrent();

  PosixCommandRunner runner({kUserdel, kGroupdel});
  std::vector<std::string> removed;
  for (const auto& s : stale) {
    if (s.user && Run(runner, kUserdel, s.name)) removed.push_back(s.name);
  }
  for (const auto& s : stale) {
    // userdel may have taken the user's group already; groupdel then fails, which is fine.
    if (!s.user && ::getgrnam(s.name.c_str()) != nullptr && Run(runner, kGroupdel, s.name)) {
      removed.push_back(s.name + " (group)");
    }
  }
  return removed;
}

}  // namespace hostplane::testing
