#include "tree_snapshot.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include "common/crypto.h"
#include "up_process.h"

namespace hostplane::testing {
namespace {

void Walk(const std::string& root, const std::string& rel,
          const std::function<bool(const std::string&)>& skip, TreeSnapshot& out) {
  if (skip && !rel.empty() && skip(rel)) return;
  const std::string path = rel.empty() ? root : root + "/" + rel;
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return;
  TreeEntry e;
  e.mode = st.st_mode & 07777;
  e.uid = st.st_uid;
  e.gid = st.st_gid;
  if (S_ISREG(st.st_mode)) {
    e.type = 'f';
    e.links = st.st_nlink;
    e.hash = Blake2bHex(ReadFile(path));
  } else if (S_ISLNK(st.st_mode)) {
    e.type = 'l';
    char target[4096];
    ssize_t n = ::readlink(path.c_str(), target, sizeof target);
    e.hash = n > 0 ? std::string(target, static_cast<size_t>(n)) : "";
  } else if (S_ISDIR(st.st_mode)) {
    e.type = 'd';
  } else {
    e.type = 'o';
  }
  out[rel] = e;
  if (e.type != 'd') return;
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) return;
  std::vector<std::string> names;
  while (dirent* de = ::readdir(d)) {
    std::string n = de->d_name;
    if (n != "." && n != "..") names.push_back(std::move(n));
  }
  ::closedir(d);
  for (const auto& n : names) Walk(root, rel.empty() ? n : rel + "/" + n, skip, out);
}

}  // namespace

TreeSnapshot SnapshotTree(const std::string& root,
                          const std::function<bool(const std::string& rel)>& skip) {
  TreeSnapshot out;
  Walk(root, "", skip, out);
  return out;
}

std::vector<std::string> DiffTrees(const TreeSnapshot& before, const TreeSnapshot& after) {
  std::vector<std::string> out;
  for (const auto& [rel, b] : before) {
    auto it = after.find(rel);
    if (it == after.end()) {
      out.push_back(rel + ": removed");
      continue;
    }
    const TreeEntry& a = it->second;
    if (a.type != b.type) out.push_back(fmt::format("{}: type {} -> {}", rel, b.type, a.type));
    if (a.hash != b.hash) out.push_back(rel + ": content changed");
    if (a.mode != b.mode) out.push_back(fmt::format("{}: mode {:o} -> {:o}", rel, b.mode, a.mode));
    if (a.uid != b.uid || a.gid != b.gid) {
      out.push_back(fmt::format("{}: owner {}:{} -> {}:{}", rel, b.uid, b.gid, a.uid, a.gid));
    }
    if (a.links != b.links) {
      out.push_back(fmt::format("{}: links {} -> {}", rel, b.links, a.links));
    }
  }
  for (const auto& [rel, a] : after) {
    if (!before.contains(rel)) out.push_back(rel + ": added");
  }
  return out;
}

}  // namespace hostplane::testing
