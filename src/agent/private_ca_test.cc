#include "agent/private_ca.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "agent/testing/temp_root.h"
#include "common/exec/command_runner.h"

namespace hostplane::agent {
namespace {

// openssl verify (the real client-side check) of the leaf against the CA.
std::string Verify(Filesystem& fs, const std::string& ca, const std::string& chain,
                   const std::string& name) {
  PosixCommandRunner runner({"/usr/bin/openssl"});
  Command cmd;
  cmd.argv = {"/usr/bin/openssl", "verify", "-CAfile", fs.HostPath(ca),
              "-verify_hostname", name,     "--",      fs.HostPath(chain)};
  auto out = runner.Run(cmd);
  return out ? out->out + out->err : out.error().message;
}

TEST(PrivateCaTest, IssuesALeafThatVerifiesAndKeepsItUntilTheNamesChange) {
  testing::TempRoot root;
  PosixFilesystem fs(root.path());
  auto ca = PrivateCa::LoadOrCreate(fs, "tls/ca", "hostplane test");
  ASSERT_TRUE(ca) << ca.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(fs.HostPath("tls/ca/ca.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  auto issued = ca->EnsureLeaf({"mx.hpt.test"}, {"127.0.0.1"}, "tls/mail.pem", "tls/mail.key");
  ASSERT_TRUE(issued) << issued.error().message;
  EXPECT_TRUE(*issued);
  ASSERT_EQ(::stat(fs.HostPath("tls/mail.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_NE(Verify(fs, ca->root_cert(), "tls/mail.pem", "mx.hpt.test").find(": OK"),
            std::string::npos);
  EXPECT_EQ(Verify(fs, ca->root_cert(), "tls/mail.pem", "other.test").find(": OK"),
            std::string::npos);

  // Same names: kept. The CA reloaded from its files issues nothing new either.
  auto again = PrivateCa::LoadOrCreate(fs, "tls/ca", "hostplane test");
  ASSERT_TRUE(again);
  EXPECT_FALSE(
      again->EnsureLeaf({"mx.hpt.test"}, {"127.0.0.1"}, "tls/mail.pem", "tls/mail.key").value());
  // Another name: reissued.
  EXPECT_TRUE(again->EnsureLeaf({"mx2.hpt.test"}, {}, "tls/mail.pem", "tls/mail.key").value());
  EXPECT_NE(Verify(fs, ca->root_cert(), "tls/mail.pem", "mx2.hpt.test").find(": OK"),
            std::string::npos);

  // A CA from elsewhere does not vouch for it: a new CA in another directory reissues.
  auto other = PrivateCa::LoadOrCreate(fs, "tls/other", "other");
  ASSERT_TRUE(other);
  EXPECT_TRUE(other->EnsureLeaf({"mx2.hpt.test"}, {}, "tls/mail.pem", "tls/mail.key").value());

  EXPECT_FALSE(ca->EnsureLeaf({"bad name"}, {}, "tls/x.pem", "tls/x.key"));
  ASSERT_TRUE(fs.RemoveFile("tls/ca/ca.pem"));
  EXPECT_FALSE(PrivateCa::LoadOrCreate(fs, "tls/ca", "x"));
}

}  // namespace
}  // namespace hostplane::agent
