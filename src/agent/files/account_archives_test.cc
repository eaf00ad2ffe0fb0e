#include "agent/files/account_archives.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "agent/files/account_files.h"
#include "agent/files/testing/test_home.h"

namespace hostplane::agent::files {
namespace {

using testing::CodeOf;
using testing::Dir;
using testing::Exists;
using testing::kAlice;
using testing::kBob;
using testing::Put;
using testing::Python;
using testing::Slurp;

// python3 programs (argv[1]: the archive to write) that build hostile archives.
constexpr const char* kZipWithSymlink = R"(
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    z.writestr('ok.txt', 'fine')
    i = zipfile.ZipInfo('link')
    i.create_system = 3
    i.external_attr = (0o120777 << 16)
    z.writestr(i, '/etc/passwd')
)";
constexpr const char* kZipClimbing = R"(
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    z.writestr('ok.txt', 'fine')
    z.writestr('../x', 'out')
)";
constexpr const char* kZipAbsolute = R"(
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    z.writestr('ok.txt', 'fine')
    z.writestr(zipfile.ZipInfo('/tmp/hp-absolute-x'), 'out')
)";
constexpr const char* kTarWithHardLink = R"(
import io, sys, tarfile
with tarfile.open(sys.argv[1], 'w:gz') as t:
    data = b'fine'
    i = tarfile.TarInfo('ok.txt'); i.size = len(data); t.addfile(i, io.BytesIO(data))
    h = tarfile.TarInfo('hard'); h.type = tarfile.LNKTYPE; h.linkname = '../../bob/secret.txt'
    t.addfile(h)
)";
constexpr const char* kTarWithFifo = R"(
import sys, tarfile
with tarfile.open(sys.argv[1], 'w') as t:
    f = tarfile.TarInfo('pipe'); f.type = tarfile.FIFOTYPE; t.addfile(f)
)";
// 10 entries of 1 GiB of zeros each (10 GiB uncompressed, honest headers), from one
// deflate stream of zeros built once with full flushes and repeated: a few MB on disk, built in
// well under a second.
constexpr const char* kZipBomb10G = R"(
import struct, sys, zlib
mib = bytes(1 << 20)
c = zlib.compressobj(9, zlib.DEFLATED, -15)
block = c.compress(mib) + c.flush(zlib.Z_FULL_FLUSH)
data = block * 1024 + b'\x03\x00'
crc = 0
for _ in range(1024): crc = zlib.crc32(mib, crc)
size = 1 << 30
out = open(sys.argv[1], 'wb'); central = b''
for n in range(10):
    name = ('zeros%d.bin' % n).encode(); off = out.tell()
    out.write(struct.pack('<IHHHHHIIIHH', 0x04034b50, 20, 0, 8, 0, 0, crc, len(data), size, len(name), 0) + name + data)
    central += struct.pack('<IHHHHHHIIIHHHHHII', 0x02014b50, 20, 20, 0, 8, 0, 0, crc, len(data), size, len(name), 0, 0, 0, 0, 0, off) + name
cd = out.tell(); out.write(central)
out.write(struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, 10, 10, len(central), cd, 0))
)";
// A zip whose headers lie: they declare 1000 bytes, the data inflates to 200 MiB of zeros.
constexpr const char* kZipLying = R"(
import struct, sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
    z.writestr('small.txt', bytes(200 << 20))
b = bytearray(open(sys.argv[1], 'rb').read())
struct.pack_into('<I', b, 22, 1000)
cd = b.find(b'PK\x01\x02'); struct.pack_into('<I', b, cd + 24, 1000)
open(sys.argv[1], 'wb').write(b)
)";

class AccountArchivesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GE(homes_.root_fd, 0);
    auto h = files_.OpenHome(homes_.root_fd, "home/alice", {kAlice, kAlice});
    ASSERT_TRUE(h) << h.error().message;
    home_ = std::move(*h);
  }

  // Writes an archive with a python3 program into alice's home, owned by her.
  void Build(const char* program, const std::string& name) {
    const std::string path = homes_.alice + "/" + name;
    ASSERT_TRUE(Python(program, path)) << name;
    ASSERT_EQ(::chown(path.c_str(), kAlice, kAlice), 0);
  }

  // The refusal's code, after checking that nothing was written: no target, no hidden folder.
  std::string Refusal(AccountArchives engine, const std::string& archive) {
    auto r = engine.Extract(home_, {archive, "out"});
    EXPECT_FALSE(r) << archive;
    EXPECT_FALSE(Exists(homes_.alice + "/out")) << archive;
    EXPECT_FALSE(Exists(homes_.alice + "/.out.hp-extract")) << archive;
    return r ? "(extracted)" : CodeOf(r.error());
  }

  testing::TestHomes homes_;
  PosixFileOs os_;
  AccountFiles files_{os_, FileLimits{}};
  AccountArchives archives_{os_, FileLimits{}};
  AccountHome home_;
};

TEST_F(AccountArchivesTest, AZipWithASymlinkIsRefusedBeforeAnythingIsWritten) {
  Build(kZipWithSymlink, "link.zip");
  EXPECT_EQ(Refusal(archives_, "link.zip"), "archive.link_refused");
}

TEST_F(AccountArchivesTest, ATarWithAHardLinkIsRefused) {
  Build(kTarWithHardLink, "hard.tar.gz");
  EXPECT_EQ(Refusal(archives_, "hard.tar.gz"), "archive.link_refused");
}

TEST_F(AccountArchivesTest, EntriesThatClimbOutOrAreAbsoluteAreRefused) {
  Build(kZipClimbing, "climb.zip");
  EXPECT_EQ(Refusal(archives_, "climb.zip"), "archive.path_refused");
  EXPECT_FALSE(Exists(homes_.alice + "/../x"));
  Build(kZipAbsolute, "abs.zip");
  EXPECT_EQ(Refusal(archives_, "abs.zip"), "archive.path_refused");
  EXPECT_FALSE(Exists("/tmp/hp-absolute-x"));
}

TEST_F(AccountArchivesTest, AFifoEntryIsRefused) {
  Build(kTarWithFifo, "fifo.tar");
  EXPECT_EQ(Refusal(archives_, "fifo.tar"), "archive.type_refused");
}

TEST_F(AccountArchivesTest, ATenGigabyteZipBombIsRefusedAtTheBoundWithNothingWritten) {
  Build(kZipBomb10G, "bomb.zip");
  struct stat st {};
  ASSERT_EQ(::stat((homes_.alice + "/bomb.zip").c_str(), &st), 0);
  EXPECT_LT(st.st_size, 200 << 20);  // the bomb itself is small
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Refusal(archives_, "bomb.zip"), "archive.too_large");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  // Below the byte bound, the ratio bound (1 GiB from ~1 MB) refuses it all the same.
  FileLimits roomy;
  roomy.max_archive_bytes = int64_t{64} << 30;
  EXPECT_EQ(Refusal(AccountArchives(os_, roomy), "bomb.zip"), "archive.ratio");
}

TEST_F(AccountArchivesTest, AZipWhoseHeadersLieStopsAtTheBoundAndLeavesNothing) {
  Build(kZipLying, "liar.zip");
  FileLimits l;
  l.max_archive_bytes = 64 << 20;
  l.max_archive_ratio = 1'000'000;  // the byte bound, not the ratio, is under test here
  EXPECT_EQ(Refusal(AccountArchives(os_, l), "liar.zip"), "archive.too_large");
  EXPECT_EQ(Refusal(archives_, "liar.zip"), "archive.ratio");
}

TEST_F(AccountArchivesTest, ATarGzRoundTripIsByteExactAndReadableByTar) {
  Dir(homes_.alice + "/site", kAlice, 0750);
  Dir(homes_.alice + "/site/img", kAlice, 0755);
  std::string binary;
  for (uint32_t i = 0; i < 5'000'000; ++i) binary += static_cast<char>((i * 7919u) % 256u);
  Put(homes_.alice + "/site/img/photo.bin", binary, kAlice, 0600);
  Put(homes_.alice + "/site/index.php", "<?php echo 1;", kAlice, 0644);
  Dir(homes_.alice + "/site/empty", kAlice, 0700);
  for (const std::string name : {"backup.tar.gz", "backup.zip", "backup.tar"}) {
    auto made = archives_.Create(home_, {{"site"}, name});
    ASSERT_TRUE(made) << name << ": " << made.error().message;
    EXPECT_EQ(made->entries, 5) << name;
    EXPECT_EQ(made->bytes, 5'000'000 + 13) << name;
    struct stat st {};
    ASSERT_EQ(::stat((homes_.alice + "/" + name).c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, kAlice);
    EXPECT_FALSE(Exists(homes_.alice + "/." + name + ".hp-part"));
    const std::string out = "out-" + name;
    auto back = archives_.Extract(home_, {name, out});
    ASSERT_TRUE(back) << name << ": " << back.error().message;
    EXPECT_EQ(back->bytes, 5'000'000 + 13);
    const std::string root = homes_.alice + "/" + out + "/site";
    EXPECT_EQ(Slurp(root + "/img/photo.bin"), binary) << name;
    EXPECT_EQ(Slurp(root + "/index.php"), "<?php echo 1;") << name;
    ASSERT_EQ(::stat((root + "/img/photo.bin").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, kAlice);
    EXPECT_EQ(st.st_mode & 0777, 0644u) << "extracted as an upload is: servable";
    ASSERT_EQ(::stat((root + "/empty").c_str(), &st), 0);
    EXPECT_TRUE(S_ISDIR(st.st_mode));
  }
  // A real tool reads what was written.
  EXPECT_TRUE(
      Python("import sys, tarfile; n = tarfile.open(sys.argv[1]).getnames(); "
             "sys.exit(0 if 'site/img/photo.bin' in n else 1)",
             homes_.alice + "/backup.tar.gz"));
  EXPECT_TRUE(
      Python("import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); "
             "sys.exit(0 if z.testzip() is None and len(z.read('site/img/photo.bin')) "
             "== 5000000 else 1)",
             homes_.alice + "/backup.zip"));
  // An existing target is never overwritten, by either direction.
  auto again = archives_.Create(home_, {{"site"}, "backup.zip"});
  ASSERT_FALSE(again);
  EXPECT_EQ(CodeOf(again.error()), "file.exists");
  auto into = archives_.Extract(home_, {"backup.zip", "site"});
  ASSERT_FALSE(into);
  EXPECT_EQ(CodeOf(into.error()), "file.exists");
}

TEST_F(AccountArchivesTest, CreatingRefusesLinksForeignFilesAndUnknownFormats) {
  Dir(homes_.alice + "/site", kAlice, 0755);
  ASSERT_EQ(
      ::symlink((homes_.bob + "/secret.txt").c_str(), (homes_.alice + "/site/secret").c_str()), 0);
  auto link = archives_.Create(home_, {{"site"}, "a.zip"});
  ASSERT_FALSE(link);
  EXPECT_EQ(CodeOf(link.error()), "archive.link_refused");
  EXPECT_FALSE(Exists(homes_.alice + "/a.zip"));
  EXPECT_FALSE(Exists(homes_.alice + "/.a.zip.hp-part"));
  ASSERT_EQ(::unlink((homes_.alice + "/site/secret").c_str()), 0);
  ASSERT_EQ(::link((homes_.bob + "/secret.txt").c_str(), (homes_.alice + "/site/hard").c_str()), 0);
  auto hard = archives_.Create(home_, {{"site"}, "a.zip"});
  ASSERT_FALSE(hard);
  EXPECT_EQ(CodeOf(hard.error()), "file.foreign_link");
  EXPECT_FALSE(Exists(homes_.alice + "/a.zip"));
  auto format = archives_.Create(home_, {{"site"}, "a.rar"});
  ASSERT_FALSE(format);
  EXPECT_EQ(CodeOf(format.error()), "archive.format");
  auto outside = archives_.Create(home_, {{"../bob"}, "b.zip"});
  ASSERT_FALSE(outside);
  EXPECT_EQ(CodeOf(outside.error()), "path.dotdot");
}

TEST_F(AccountArchivesTest, AnotherTenantsArchiveIsNeverReached) {
  Build(kZipClimbing, "../bob/b.zip");
  ASSERT_EQ(::symlink((homes_.bob + "/b.zip").c_str(), (homes_.alice + "/b.zip").c_str()), 0);
  EXPECT_EQ(Refusal(archives_, "b.zip"), "path.symlink");
  EXPECT_EQ(Refusal(archives_, "../bob/b.zip"), "path.dotdot");
}

TEST_F(AccountArchivesTest, ExtractionSpeed) {
  // 128 MiB of incompressible bytes in a stored zip, extracted and checked.
  Build(
      "import os, sys, zipfile\n"
      "z = zipfile.ZipFile(sys.argv[1], 'w')\n"
      "for n in range(8): z.writestr('d/f%d.bin' % n, os.urandom(16 << 20))\n",
      "speed.zip");
  const auto start = std::chrono::steady_clock::now();
  auto r = archives_.Extract(home_, {"speed.zip", "speed"});
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->bytes, int64_t{128} << 20);
  EXPECT_EQ(r->entries, 8);
  std::printf("extraction: 128 MiB in %.3f s = %.0f MiB/s\n", secs, 128 / secs);
  EXPECT_GT(128 / secs, 20.0);  // MiB/s: far below what a disk does, far above a hang
}

}  // namespace
}  // namespace hostplane::agent::files
