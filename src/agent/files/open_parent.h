#pragma once

// The parent folder of a checked path, opened beneath the home as a directory (openat2 with no
// link followed): every operation then acts on that descriptor and one name.

#include <fcntl.h>

#include <string>

#include "agent/files/account_home.h"
#include "agent/files/file_errors.h"
#include "agent/files/file_os.h"
#include "common/fs/fd.h"
#include "common/result.h"
#include "protocol/file_path.h"

namespace hostplane::agent::files {

[[nodiscard]] inline Result<Fd> OpenParent(FileOs& os, const AccountHome& home,
                                           const protocol::FilePath& p, const std::string& field) {
  int fd = os.OpenBeneath(home.dir.get(), p.parent(), O_RDONLY | O_DIRECTORY, 0);
  if (fd < 0) return Fail(ErrnoError(field, -fd, "opening the folder"));
  return Fd(fd);
}

}  // namespace hostplane::agent::files
