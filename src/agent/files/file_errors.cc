#include "agent/files/file_errors.h"

#include <cerrno>

namespace hostplane::agent::files {

Error FieldError(ErrorCode code, const std::string& field, const std::string& what,
                 const std::string& sentence) {
  return Error{code, field + ": " + sentence, {{field, what}}};
}

// errno (positive) of an operation on `field` to the precise error.
Error ErrnoError(const std::string& field, int err, const std::string& doing) {
  switch (err) {
    case ENOENT:
      return FieldError(ErrorCode::kNotFound, field, "file.not_found",
                        doing + ": no such file or folder");
    case ELOOP:
      return FieldError(ErrorCode::kForbidden, field, "path.symlink",
                        doing + ": the path goes through a symbolic link, which is never followed");
    case EXDEV:
      return FieldError(ErrorCode::kForbidden, field, "path.escapes",
                        doing + ": the path leads out of the home");
    case EACCES:
    case EPERM:
      return FieldError(ErrorCode::kForbidden, field, "file.permission",
                        doing + ": permission denied for the account");
    case EEXIST:
      return FieldError(ErrorCode::kConflict, field, "file.exists", doing + ": it already exists");
    case ENOTDIR:
      return FieldError(ErrorCode::kInvalid, field, "path.not_a_directory",
                        doing + ": a component of the path is not a folder");
    case EISDIR:
      return FieldError(ErrorCode::kInvalid, field, "file.is_directory",
                        doing + ": it is a folder");
    case ENOTEMPTY:
      return FieldError(ErrorCode::kConflict, field, "dir.not_empty",
                        doing + ": the folder is not empty");
    case ENOSPC:
    case EDQUOT:
      return FieldError(ErrorCode::kLimit, field, "file.no_space",
                        doing + ": no space left (disk or quota)");
    case ENAMETOOLONG:
      return FieldError(ErrorCode::kInvalid, field, "path.name_too_long",
                        doing + ": the name is too long");
    default:
      return Error::FromErrno(field + ": " + doing, err);
  }
}

int64_t MtimeNs(const struct stat& st) {
  return int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
}

// A hard link to someone else's file: refused for every operation on its content.
Status CheckOwnLink(const struct stat& st, const AccountIdentity& id, const std::string& field) {
  if (st.st_uid != id.uid && st.st_nlink > 1 && !S_ISDIR(st.st_mode)) {
    return Fail(FieldError(ErrorCode::kForbidden, field, "file.foreign_link",
                           "a hard link to a file the account does not own"));
  }
  return Ok();
}

Status CheckOwned(const struct stat& st, const AccountIdentity& id, const std::string& field) {
  HP_TRY(CheckOwnLink(st, id, field));
  if (st.st_uid != id.uid) {
    return Fail(FieldError(ErrorCode::kForbidden, field, "file.foreign",
                           "the account does not own this file"));
  }
  return Ok();
}

}  // namespace hostplane::agent::files
