#pragma once

// Runs one file operation as an account: on a new thread that first takes the account's
// file-system uid and gid (FileOs::BecomeAccount) and then runs the work, and is joined. The
// identity dies with the thread, so no other work of the agent ever runs with it and nothing has
// to be given back. Why a thread and not a helper process: the operations are many and small (a
// listing, a 256 KiB chunk), a thread costs tens of microseconds where a fork+exec of a helper
// costs milliseconds, and setfsuid is per thread in Linux; the kernel then checks every access
// as the account's (fs capabilities are dropped while the fsuid is not 0).

#include <sys/types.h>

#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "agent/files/file_os.h"
#include "common/result.h"

namespace hostplane::agent::files {

struct AccountIdentity {
  uid_t uid = 0;
  gid_t gid = 0;
  bool operator==(const AccountIdentity&) const = default;
};

// Errors: kForbidden when the identity is root's (uid or gid 0) or could not be taken; else
// whatever work returns.
template <typename T, typename Work>
[[nodiscard]] Result<T> RunAsAccount(FileOs& os, AccountIdentity id, Work&& work) {
  if (id.uid == 0 || id.gid == 0) {
    return Fail(Error::Forbidden("file operations never run as root (uid or gid 0)"));
  }
  std::optional<Result<T>> out;
  std::thread t([&] {
    if (int rc = os.BecomeAccount(id.uid, id.gid); rc != 0) {
      out.emplace(Fail(Error::Forbidden("could not act as uid " + std::to_string(id.uid) + ": " +
                                        std::to_string(-rc))));
      return;
    }
    out.emplace(work());
  });
  t.join();
  return std::move(*out);
}

}  // namespace hostplane::agent::files
