#include "common/signing_key.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "common/crypto.h"
#include "common/fs/fd.h"

namespace hostplane {
namespace {

constexpr int kBase64 = sodium_base64_VARIANT_ORIGINAL;
constexpr std::string_view kSecretPrefix = "ed25519-secret:";
constexpr size_t kMaxKeyFile = 4096;

std::string ToBase64(const unsigned char* data, size_t n) {
  std::string out(sodium_base64_ENCODED_LEN(n, kBase64), '\0');
  sodium_bin2base64(out.data(), out.size(), data, n, kBase64);
  out.resize(out.size() - 1);  // ENCODED_LEN counts the terminating NUL
  return out;
}

// Decodes exactly n bytes from their canonical base64 text (padded, no spaces, zero trailing
// bits), so one key or signature has one spelling.
bool FromBase64(std::string_view text, unsigned char* out, size_t n) {
  if (text.size() != sodium_base64_ENCODED_LEN(n, kBase64) - 1) return false;
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out, n, text.data(), text.size(), nullptr, &len, &end, kBase64) != 0) {
    return false;
  }
  if (end != text.data() + text.size() || len != n) return false;
  return ToBase64(out, n) == text;
}

Result<SigningKey> ReadKeyFile(const std::string& path, int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Fail(Error::FromErrno("stat " + path, errno));
  if (!S_ISREG(st.st_mode)) return Fail(Error::Invalid(path + " is not a regular file"));
  if ((st.st_mode & 077) != 0) {
    return Fail(Error::Invalid(
        fmt::format("{} is accessible by group or others (mode {:03o}); it holds a secret key: "
                    "chmod 600 it",
                    path, st.st_mode & 0777)));
  }
  std::string content;
  char buf[1024];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Fail(Error::FromErrno("reading " + path, errno));
    if (n == 0) break;
    content.append(buf, static_cast<size_t>(n));
    if (content.size() > kMaxKeyFile) break;
  }
  auto key = SigningKey::FromSecretFileContent(content);
  sodium_memzero(content.data(), content.size());
  sodium_memzero(buf, sizeof buf);
  if (!key) return Fail(key.error().Wrap(path));
  return key;
}

std::pair<std::string, std::string> SplitParent(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return {".", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

// Writes a new key to a private temporary file and links it into place. False (and no error)
// when another process created the key file first.
Result<bool> CreateKeyFile(const std::string& path, const SigningKey& key) {
  auto [dir, name] = SplitParent(path);
  std::string tmp = dir + "/." + name + "." + RandomHex(8) + ".tmp";
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) return Fail(Error::FromErrno("creating " + tmp, errno));
  auto fail = [&](Error e) {
    fd.Close();
    ::unlink(tmp.c_str());
    return Fail(std::move(e));
  };
  if (::fchmod(fd.get(), 0600) != 0) return fail(Error::FromErrno("chmod " + tmp, errno));
  std::string content = key.SecretFileContent();
  Status written = WriteAll(fd.get(), content, tmp);
  sodium_memzero(content.data(), content.size());
  if (!written) return fail(written.error());
  if (::fsync(fd.get()) != 0) return fail(Error::FromErrno("fsync " + tmp, errno));
  if (fd.Close() != 0) return fail(Error::FromErrno("closing " + tmp, errno));
  if (::link(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    if (err == EEXIST) return false;
    return Fail(Error::FromErrno("creating " + path, err));
  }
  ::unlink(tmp.c_str());
  Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd.valid() || ::fsync(dir_fd.get()) != 0) {
    return Fail(Error::FromErrno("fsync " + dir, errno));
  }
  return true;
}

}  // namespace

Result<PublicKey> PublicKey::Parse(std::string_view text) {
  HP_TRY(InitCrypto());
  const std::string_view prefix = kPrefix;
  if (text.substr(0, prefix.size()) != prefix) {
    return Fail(Error::Invalid("a public key must start with \"ed25519:\""));
  }
  PublicKey key;
  if (!FromBase64(text.substr(prefix.size()), key.bytes_.data(), key.bytes_.size())) {
    return Fail(Error::Invalid(
        "a public key must be \"ed25519:\" followed by the base64 of 32 bytes (44 characters)"));
  }
  return key;
}

std::string PublicKey::ToString() const { return kPrefix + ToBase64(bytes_.data(), bytes_.size()); }

bool PublicKey::Verify(std::string_view message, std::string_view signature) const {
  if (!InitCrypto()) return false;
  unsigned char sig[crypto_sign_BYTES];
  if (!FromBase64(signature, sig, sizeof sig)) return false;
  return crypto_sign_verify_detached(sig, reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(), bytes_.data()) == 0;
}

Result<SigningKey> SigningKey::Generate() {
  HP_TRY(InitCrypto());
  SigningKey key;
  crypto_sign_keypair(key.public_.bytes_.data(), key.secret_.data());
  return key;
}

Result<SigningKey> SigningKey::FromSecretFileContent(std::string_view content) {
  HP_TRY(InitCrypto());
  if (!content.empty() && content.back() == '\n') content.remove_suffix(1);
  unsigned char seed[crypto_sign_SEEDBYTES];
  if (content.substr(0, kSecretPrefix.size()) != kSecretPrefix ||
      !FromBase64(content.substr(kSecretPrefix.size()), seed, sizeof seed)) {
    sodium_memzero(seed, sizeof seed);
    return Fail(Error::Invalid(
        "not a hostplane key file (one line: \"ed25519-secret:\" and the base64 of 32 bytes)"));
  }
  SigningKey key;
  crypto_sign_seed_keypair(key.public_.bytes_.data(), key.secret_.data(), seed);
  sodium_memzero(seed, sizeof seed);
  return key;
}

std::string SigningKey::SecretFileContent() const {
  unsigned char seed[crypto_sign_SEEDBYTES];
  crypto_sign_ed25519_sk_to_seed(seed, secret_.data());
  std::string out = std::string(kSecretPrefix) + ToBase64(seed, sizeof seed) + "\n";
  sodium_memzero(seed, sizeof seed);
  return out;
}

SigningKey::~SigningKey() { sodium_memzero(secret_.data(), secret_.size()); }

std::string SigningKey::Sign(std::string_view message) const {
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size(), secret_.data());
  return ToBase64(sig, sizeof sig);
}

Result<SigningKey> LoadOrCreateSigningKey(const std::string& path) {
  HP_TRY(InitCrypto());
  // Two rounds at most: a start that loses the race to create the file loads the winner's key.
  for (int round = 0; round < 2; ++round) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (fd.valid()) return ReadKeyFile(path, fd.get());
    if (errno != ENOENT) return Fail(Error::FromErrno("opening " + path, errno));
    auto key = SigningKey::Generate();
    if (!key) return Fail(key.error());
    HP_ASSIGN_OR_RETURN(auto created, CreateKeyFile(path, *key));
    if (created) return key;
  }
  return Fail(Error::Io(path + " appeared and vanished while it was being created"));
}

}  // namespace hostplane
