#include "agent/drivers/content/content_driver.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

#include "common/crypto.h"
#include "common/fs/fd.h"

namespace hostplane::agent {
namespace {

using protocol::ContentReply;
using protocol::ContentRequest;
using protocol::kContentChunkBytes;

Result<int64_t> SizeOf(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Fail(Error::FromErrno("stat " + path, errno));
  return static_cast<int64_t>(st.st_size);
}

// Reads up to n bytes at offset (fewer only at the end of the file).
Result<std::string> ReadAt(int fd, int64_t offset, int64_t n, const std::string& path) {
  std::string out(static_cast<size_t>(n), '\0');
  size_t got = 0;
  while (got < out.size()) {
    ssize_t r = ::pread(fd, out.data() + got, out.size() - got, offset + static_cast<int64_t>(got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Fail(Error::FromErrno("reading " + path, errno));
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  out.resize(got);
  return out;
}

// Feeds the first n bytes of the file to hasher (the chunks a resumed download already has).
Status HashPrefix(int fd, int64_t n, Blake2bHasher& hasher, const std::string& path) {
  for (int64_t offset = 0; offset < n; offset += kContentChunkBytes) {
    HP_ASSIGN_OR_RETURN(auto piece,
                        ReadAt(fd, offset, std::min(kContentChunkBytes, n - offset), path));
    hasher.Update(piece);
  }
  return Ok();
}

// The owner of directory `name` directly beneath `base_host`, opened without following links
// (a tenant's symlink is refused); nullopt when it does not exist.
Result<std::optional<Command::Identity>> OwnerBeneath(const std::string& base_host,
                                                      const std::string& name) {
  Fd base(::open(base_host.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!base.valid()) {
    if (errno == ENOENT) return std::optional<Command::Identity>();
    return Fail(Error::FromErrno("opening " + base_host, errno));
  }
  open_how how{};
  how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  Fd dir(static_cast<int>(::syscall(SYS_openat2, base.get(), name.c_str(), &how, sizeof how)));
  const std::string display = base_host + "/" + name;
  if (!dir.valid()) {
    int err = errno;
    if (err == ENOENT) return std::optional<Command::Identity>();
    if (err == ELOOP || err == EXDEV || err == ENOTDIR) {
      return Fail(Error::Forbidden(display + " is not a plain directory (refused)"));
    }
    return Fail(Error::FromErrno("opening " + display, err));
  }
  struct stat st {};
  if (::fstat(dir.get(), &st) != 0) return Fail(Error::FromErrno("stat " + display, errno));
  return std::optional<Command::Identity>(Command::Identity{st.st_uid, st.st_gid});
}

// A refusal the controller may get over (its store or spool): retry; anything else is final.
Error RefusalError(const ContentReply& reply) {
  const std::string message = "the controller refused: " + reply.error + " (" + reply.code + ")";
  if (reply.code == "store.unavailable" || reply.code == "spool.io" || reply.code == "internal") {
    return Error::Unavailable(message);
  }
  return Error::Invalid(message);
}

}  // namespace

ContentDriver::ContentDriver(const HostLayout& layout, Filesystem& fs, CommandRunner& runner,
                             Bus& bus, std::string node, ContentDriverOptions options)
    : layout_(layout),
      fs_(fs),
      runner_(runner),
      bus_(bus),
      node_(std::move(node)),
      options_(options) {}

std::vector<std::string> ContentDriver::Kinds() const {
  return {protocol::kContentExport, protocol::kContentImport};
}

std::vector<std::string> ContentDriver::ManagedDirs() const {
  return {layout_.state_dir + "/content"};
}

Result<FileSet> ContentDriver::Render(const protocol::Task& task) const {
  if (task.kind == protocol::kContentExport) {
    HP_ASSIGN_OR_RETURN(auto spec, protocol::ContentExportSpecFromJson(task.spec));
    HP_TRY(PlaceOf(spec.what, spec.object));
    return FileSet{};
  }
  if (task.kind == protocol::kContentImport) {
    HP_ASSIGN_OR_RETURN(auto spec, protocol::ContentImportSpecFromJson(task.spec));
    HP_TRY(PlaceOf(spec.what, spec.object));
    return FileSet{};
  }
  return Fail(Error::Invalid("the content driver does not handle task kind " + task.kind));
}

Status ContentDriver::Work(const protocol::Task& task, const std::atomic<bool>& stopping) {
  if (task.kind == protocol::kContentExport) {
    HP_ASSIGN_OR_RETURN(auto spec, protocol::ContentExportSpecFromJson(task.spec));
    return Export(spec, stopping);
  }
  if (task.kind == protocol::kContentImport) {
    HP_ASSIGN_OR_RETURN(auto spec, protocol::ContentImportSpecFromJson(task.spec));
    return Import(spec, stopping);
  }
  return Fail(Error::Invalid("the content driver does not handle task kind " + task.kind));
}

Result<ContentDriver::Place> ContentDriver::PlaceOf(const std::string& what,
                                                    const std::string& object) const {
  // The spec decoders have checked object against its grammar: one path component, or a
  // database name of [a-z0-9_].
  if (what == "home") return Place{layout_.home_root, object, false};
  if (what == "database") {
    if (!layout_.mariadb) return Fail(Error::Invalid("this node has no databases (no [mariadb])"));
    return Place{"", object, true};
  }
  if (!layout_.mail) return Fail(Error::Invalid("this node keeps no mail (no [mail] layout)"));
  return Place{layout_.mail->vmail_root, object, false};
}

std::string ContentDriver::Describe(const Place& place) const {
  return place.database ? "database " + place.name : place.base + "/" + place.name;
}

Result<Command> ContentDriver::PackCommand(const Place& place) {
  Command cmd;
  cmd.timeout = options_.tar_timeout;
  if (place.database) {
    // As root on the socket (unix_socket authentication), one consistent snapshot of InnoDB.
    const auto& m = *layout_.mariadb;
    cmd.argv = {m.dump_binary,
                "--no-defaults",
                "--socket=" + fs_.HostPath(m.socket),
                "--user=root",
                "--single-transaction",
                "--routines",
                "--triggers",
                "--events",
                "--hex-blob",
                place.name};
    return cmd;
  }
  auto owner = OwnerBeneath(fs_.HostPath(place.base), place.name);
  if (!owner) return Fail(owner.error());
  if (!*owner) {
    // Nothing there (a mail domain that never received mail): an empty archive.
    cmd.argv = {layout_.tar, "--create", "--file=-", "--files-from=/dev/null"};
    return cmd;
  }
  cmd.argv = {layout_.tar,
              "--create",
              "--file=-",
              "--directory=" + fs_.HostPath(place.base + "/" + place.name),
              "--one-file-system",
              "--numeric-owner",
              "--sparse",
              "--ignore-failed-read",
              "."};
  if ((*owner)->uid != ::geteuid()) cmd.run_as = **owner;
  return cmd;
}

Result<Command> ContentDriver::UnpackCommand(const Place& place) {
  Command cmd;
  cmd.timeout = options_.tar_timeout;
  if (place.database) {
    // Into the database the database driver made (its task came first): the dump names no
    // database of its own (no --databases), so nothing else is touched.
    const auto& m = *layout_.mariadb;
    cmd.argv = {m.client_binary, "--no-defaults", "--socket=" + fs_.HostPath(m.socket),
                "--user=root",   "--binary-mode", "--database=" + place.name};
    return cmd;
  }
  auto owner = OwnerBeneath(fs_.HostPath(place.base), place.name);
  if (!owner) return Fail(owner.error());
  if (!*owner) {
    // The home or mail directory is made by the account, nginx or mail driver from an earlier
    // task; it comes with the next bundle if it is not there yet.
    return Fail(Error::Io(Describe(place) + " does not exist yet"));
  }
  cmd.argv = {layout_.tar,
              "--extract",
              "--file=-",
              "--directory=" + fs_.HostPath(place.base + "/" + place.name),
              "--no-same-owner",
              "--no-overwrite-dir",
              "--delay-directory-restore"};
  if ((*owner)->uid != ::geteuid()) cmd.run_as = **owner;
  return cmd;
}

std::string ContentDriver::SpoolPath(int64_t transfer, const char* suffix) const {
  return fs_.HostPath(layout_.state_dir + "/content/" + std::to_string(transfer) + suffix);
}

Result<ContentReply> ContentDriver::Ask(const ContentRequest& request) {
  auto raw = bus_.Request(protocol::ContentSubject(node_), protocol::Encode(request),
                          options_.request_timeout);
  if (!raw) return Fail(raw.error().Wrap("content " + request.op));
  auto reply = protocol::DecodeContentReply(*raw);
  if (!reply) return Fail(Error::Unavailable("the controller's reply: " + reply.error().message));
  if (!reply->ok && reply->code != "transfer.closed") return Fail(RefusalError(*reply));
  return reply;
}

Status ContentDriver::Pack(const Place& place, const std::string& archive,
                           const std::atomic<bool>& stopping) {
  HP_ASSIGN_OR_RETURN(auto cmd, PackCommand(place));
  cmd.cancel = &stopping;
  HP_TRY(fs_.MakeDirs(layout_.state_dir + "/content", 0700));
  const std::string dir = fs_.HostPath(layout_.state_dir + "/content");
  const std::string tmp = dir + "/." + archive.substr(archive.rfind('/') + 1) + ".tmp";
  Fd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!out.valid()) return Fail(Error::FromErrno("creating " + tmp, errno));
  cmd.stdout_fd = out.get();
  auto ran = runner_.Run(cmd);
  if (!ran) {
    ::unlink(tmp.c_str());
    return Fail(ran.error());
  }
  // tar's 1: some file changed while it was read (a live site); the archive is still whole.
  if (ran->exit_code != 0 && (place.database || ran->exit_code != 1)) {
    ::unlink(tmp.c_str());
    return Fail(Error::Io("could not pack " + Describe(place) + ": " + ran->err.substr(0, 2000)));
  }
  if (::fsync(out.get()) != 0) return Fail(Error::FromErrno("fsync " + tmp, errno));
  if (::rename(tmp.c_str(), archive.c_str()) != 0) {
    return Fail(Error::FromErrno("renaming " + tmp, errno));
  }
  return fs_.Sync();
}

Status ContentDriver::Export(const protocol::ContentExportSpec& spec,
                             const std::atomic<bool>& stopping) {
  HP_ASSIGN_OR_RETURN(auto place, PlaceOf(spec.what, spec.object));
  const std::string archive = SpoolPath(spec.transfer, ".tar");
  if (::access(archive.c_str(), F_OK) != 0) HP_TRY(Pack(place, archive, stopping));
  Fd in(::open(archive.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!in.valid()) return Fail(Error::FromErrno("opening " + archive, errno));
  auto bytes = SizeOf(in.get(), archive);
  if (!bytes) return Fail(bytes.error());
  const int64_t chunks = (*bytes + kContentChunkBytes - 1) / kContentChunkBytes;
  // One pass: each chunk is hashed as it is sent, the seal carries the digest of them all.
  Blake2bHasher hasher;
  for (int64_t seq = 0; seq < chunks; ++seq) {
    if (stopping) return Fail(Error::Unavailable("the agent is stopping"));
    HP_ASSIGN_OR_RETURN(auto data,
                        ReadAt(in.get(), seq * kContentChunkBytes, kContentChunkBytes, archive));
    hasher.Update(data);
    ContentRequest put{node_, spec.transfer, "put", seq, std::move(data), 0, 0, ""};
    HP_ASSIGN_OR_RETURN(auto reply, Ask(put));
    if (!reply.ok) {  // closed: an earlier run finished this copy
      ::unlink(archive.c_str());
      return Ok();
    }
  }
  auto sealed =
      Ask(ContentRequest{node_, spec.transfer, "seal", 0, "", chunks, *bytes, hasher.HexDigest()});
  if (!sealed) return Fail(sealed.error());
  spdlog::info("content: exported {} of {} ({} bytes, {} chunks) for transfer {}", spec.what,
               spec.object, *bytes, chunks, spec.transfer);
  ::unlink(archive.c_str());
  return Ok();
}

Status ContentDriver::Unpack(const Place& place, int fd, const std::atomic<bool>& stopping) {
  HP_ASSIGN_OR_RETURN(auto cmd, UnpackCommand(place));
  cmd.cancel = &stopping;
  if (::lseek(fd, 0, SEEK_SET) != 0) return Fail(Error::FromErrno("seeking the archive", errno));
  cmd.stdin_fd = fd;
  HP_ASSIGN_OR_RETURN(auto ran, runner_.Run(cmd));
  if (ran.exit_code != 0) {
    return Fail(
        Error::Io("could not unpack into " + Describe(place) + ": " + ran.err.substr(0, 2000)));
  }
  return Ok();
}

Status ContentDriver::Import(const protocol::ContentImportSpec& spec,
                             const std::atomic<bool>& stopping) {
  HP_ASSIGN_OR_RETURN(auto place, PlaceOf(spec.what, spec.object));
  HP_TRY(fs_.MakeDirs(layout_.state_dir + "/content", 0700));
  const std::string part = SpoolPath(spec.transfer, ".in");
  Fd file(::open(part.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!file.valid()) return Fail(Error::FromErrno("opening " + part, errno));
  HP_ASSIGN_OR_RETURN(auto have, SizeOf(file.get(), part));
  // Resume after the whole chunks already downloaded.
  int64_t next = std::min(have / kContentChunkBytes, spec.chunks);
  if (have > spec.bytes) next = 0;
  if (::ftruncate(file.get(), next * kContentChunkBytes) != 0 ||
      ::lseek(file.get(), next * kContentChunkBytes, SEEK_SET) < 0) {
    return Fail(Error::FromErrno("truncating " + part, errno));
  }
  // One pass: the chunks kept from an earlier attempt, then each one as it arrives.
  Blake2bHasher hasher;
  HP_TRY(HashPrefix(file.get(), next * kContentChunkBytes, hasher, part));
  int64_t total = next * kContentChunkBytes;
  for (int64_t seq = next; seq < spec.chunks; ++seq) {
    if (stopping) return Fail(Error::Unavailable("the agent is stopping"));
    HP_ASSIGN_OR_RETURN(auto reply,
                        Ask(ContentRequest{node_, spec.transfer, "get", seq, "", 0, 0, ""}));
    if (!reply.ok) {  // closed: an earlier run finished this copy
      ::unlink(part.c_str());
      return Ok();
    }
    const int64_t expected =
        seq + 1 < spec.chunks ? kContentChunkBytes : spec.bytes - seq * kContentChunkBytes;
    if (static_cast<int64_t>(reply.data.size()) != expected) {
      return Fail(Error::Io("chunk " + std::to_string(seq) + " of transfer " +
                            std::to_string(spec.transfer) + " has the wrong size"));
    }
    HP_TRY(WriteAll(file.get(), reply.data, part));
    hasher.Update(reply.data);
    total += expected;
  }
  if (::fsync(file.get()) != 0) return Fail(Error::FromErrno("fsync " + part, errno));
  if (total != spec.bytes || hasher.HexDigest() != spec.digest) {
    // Start over on the next attempt: what was downloaded is not what the source sealed.
    if (::ftruncate(file.get(), 0) != 0) return Fail(Error::FromErrno("truncating " + part, errno));
    return Fail(Error::Io("the archive of transfer " + std::to_string(spec.transfer) +
                          " does not match its digest"));
  }
  HP_TRY(Unpack(place, file.get(), stopping));
  spdlog::info("content: imported {} of {} ({} bytes) for transfer {}", spec.what, spec.object,
               spec.bytes, spec.transfer);
  ::unlink(part.c_str());
  return Ok();
}

}  // namespace hostplane::agent
