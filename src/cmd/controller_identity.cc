#include "cmd/controller_identity.h"

#include "common/crypto.h"
#include "common/text/text.h"

namespace hostplane::cmd {

Result<std::string> ControllerIdentity(Filesystem& files) {
  HP_ASSIGN_OR_RETURN(auto existing, files.ReadFile(kControllerIdFile));
  if (existing) {
    std::string id = Trim(*existing);
    if (id.size() != 32 || id.find_first_not_of("0123456789abcdef") != std::string::npos) {
      return Fail(Error::InvalidField(
          kControllerIdFile, "controller_id.invalid",
          files.HostPath(kControllerIdFile) +
              " does not hold a controller identity (32 hexadecimal digits); remove it and a new "
              "one is made at the next start"));
    }
    return id;
  }
  std::string id = RandomHex(16);
  HP_TRY(files.WriteFileAtomic(kControllerIdFile, id + "\n", 0600));
  return id;
}

}  // namespace hostplane::cmd
