#include "orphan_scan.h"

#include <grp.h>
#include <pwd.h>

#include <filesystem>
#include <set>

namespace hostplane::testing {
namespace {

std::set<std::string> Listed(UpInstance& up, const std::string& path, const std::string& key,
                             const std::string& field) {
  std::set<std::string> out;
  for (const auto& item : up.Api("GET", path).json().value(key, Json::array())) {
    out.insert(item.value(field, ""));
  }
  return out;
}

// The account users and groups of this instance (its prefix and its uid range: a prefix alone
// could be the start of another slot's), from the whole passwd and group databases.
bool Ours(const std::string& name, unsigned id, UpInstance& up) {
  const std::string prefix = up.UnixUser("");
  return name.size() > prefix.size() && name.starts_with(prefix) && id >= up.uid_first() &&
         id < up.uid_first() + 1000;
}
std::set<std::string> AccountUsers(UpInstance& up) {
  std::set<std::string> out;
  ::setpwent();
  while (passwd* p = ::getpwent()) {
    if (Ours(p->pw_name, p->pw_uid, up)) out.insert(p->pw_name + up.UnixUser("").size());
  }
  ::endpwent();
  return out;
}
std::set<std::string> AccountGroups(UpInstance& up) {
  std::set<std::string> out;
  ::setgrent();
  while (group* g = ::getgrent()) {
    if (Ours(g->gr_name, g->gr_gid, up)) out.insert(g->gr_name + up.UnixUser("").size());
  }
  ::endgrent();
  return out;
}

// Base names (without ".conf") of the files of dir, leaving out hostplane's own ('_', '.').
std::set<std::string> ConfNames(const std::string& dir) {
  std::set<std::string> out;
  for (const auto& n : ListDir(dir)) {
    if (n.empty() || n[0] == '_' || n[0] == '.' || !n.ends_with(".conf")) continue;
    out.insert(n.substr(0, n.size() - 5));
  }
  return out;
}

}  // namespace

std::vector<std::string> ScanOrphans(UpInstance& up) {
  namespace fs = std::filesystem;
  std::vector<std::string> problems;
  const std::set<std::string> customers =
      Listed(up, "/api/v1/customers?limit=1000", "customers", "login");
  const std::set<std::string> sites = Listed(up, "/api/v1/sites?limit=1000", "sites", "domain");
  const std::string data = up.data_dir();
  // Accounts exist for customers with a site (the site brings the account to the web node).
  // and a PHP-FPM pool for customers with a PHP site.
  std::set<std::string> with_site, with_php;
  for (const auto& s : up.Api("GET", "/api/v1/sites?limit=1000").json().value("sites", Json())) {
    with_site.insert(s.value("customer", ""));
    if (!s.value("php", "").empty()) with_php.insert(s.value("customer", ""));
  }
  auto check = [&](const std::string& what, const std::set<std::string>& real, bool php) {
    for (const auto& name : real) {
      if (!customers.contains(name)) problems.push_back(what + " " + name + ": no such customer");
    }
    for (const auto& name : php ? with_php : with_site) {
      if (!real.contains(name)) problems.push_back(what + " of " + name + " is missing");
    }
  };
  check("unix user", AccountUsers(up), false);
  check("unix group", AccountGroups(up), false);
  std::set<std::string> homes;
  for (const auto& n : ListDir(data + "/home")) homes.insert(n);
  check("home", homes, false);
  std::set<std::string> pools;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(data, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->path().filename() == "home") {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_directory() && it->path().filename() == "pools") {
      for (const auto& n : ConfNames(it->path().string())) pools.insert(n);
    }
  }
  check("php-fpm pool", pools, true);
  for (const auto& v : ConfNames(data + "/nginx/sites")) {
    if (!sites.contains(v)) problems.push_back("vhost " + v + ": no such site");
  }
  for (const auto& s : sites) {
    if (!fs::exists(data + "/nginx/sites/" + s + ".conf")) {
      problems.push_back("vhost of " + s + " is missing");
    }
  }
  return problems;
}

}  // namespace hostplane::testing
