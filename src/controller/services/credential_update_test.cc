// A mailbox's password and quota, an FTP user's password changed (MailService::UpdateMailbox,
// FtpService::Update): the new hash (never the old one) goes to the node in the object's spec, the
// audit entry says the password changed without holding it; bad input, a quota over the plan's
// and an object the actor may not see are refused with nothing written.

#include <gtest/gtest.h>

#include "controller/services/hosting_fixture_for_test.h"
#include "protocol/ftp_spec.h"
#include "protocol/mail_spec.h"

namespace hostplane::controller {
namespace {

const Actor kAdmin{"token:admin", Role::kAdmin};
constexpr const char* kOld = "s3cret-Passw0rd-old";
constexpr const char* kNew = "an0ther-Passw0rd-new";

class CredentialUpdateTest : public HostingFixture {
 protected:
  void SetUp() override {
    HostingFixture::SetUp();
    ASSERT_TRUE(hosting_->nodes().Create(kAdmin, {"web1", {"web", "mail"}, 100}));
    PlanInput small;
    small.name = "small";
    small.mailbox_quota_mb = 500;
    ASSERT_TRUE(hosting_->plans().Create(kAdmin, small));
    for (const char* login : {"acme", "bravo"}) {
      auto c =
          hosting_->customers().Create(kAdmin, {login, "", std::string("ops@") + login + ".example",
                                                std::nullopt, std::string("small")});
      ASSERT_TRUE(c) << c.error().message;
    }
    ASSERT_TRUE(hosting_->mail().AddMailbox(kAdmin, {"info@acme.example", "acme", kOld, 200}));
    ASSERT_TRUE(hosting_->ftp().Add(kAdmin, {"acme_web", "acme", kOld, ""}));
  }

  Resource Row(const char* kind, const std::string& name) {
    std::optional<Resource> found;
    EXPECT_TRUE(store_->Read([&](StoreTxn& tx) -> Status {
      HP_ASSIGN_OR_RETURN(found, tx.resources().Find(kind, name));
      return Ok();
    }));
    EXPECT_TRUE(found.has_value()) << name;
    return found.value_or(Resource{});
  }
};

TEST_F(CredentialUpdateTest, AMailboxGetsANewPasswordAndQuotaInItsDomainsSpec) {
  const std::string old_hash = Row("mailbox", "info@acme.example").data.value("password_hash", "");
  auto changed = hosting_->mail().UpdateMailbox(CustomerActor("acme"), "Info@Acme.Example",
                                                {std::string(kNew), 300});
  ASSERT_TRUE(changed) << changed.error().message;
  const Resource row = Row("mailbox", "info@acme.example");
  const std::string new_hash = row.data.value("password_hash", "");
  EXPECT_NE(new_hash, old_hash);
  EXPECT_EQ(row.data.value("quota_mb", 0), 300);

  // One maildomain.ensure with the new hash and quota.
  ASSERT_EQ(changed->tasks.size(), 1u);
  EXPECT_EQ(changed->tasks[0].kind, "maildomain.ensure");
  auto spec = protocol::MailDomainSpecFromJson(changed->tasks[0].spec);
  ASSERT_TRUE(spec) << spec.error().message;
  ASSERT_EQ(spec->mailboxes.size(), 1u);
  EXPECT_EQ(spec->mailboxes[0].password_hash, new_hash);
  EXPECT_EQ(spec->mailboxes[0].quota_mb, 300);

  auto audit = store_->ListAudit({0, 100}, "mailbox:info@acme.example");
  ASSERT_TRUE(audit);
  ASSERT_EQ(audit->back().action, "mailbox.update");
  EXPECT_TRUE(audit->back().after.value("password_changed", false));
  EXPECT_EQ(audit->back().after.dump().find(new_hash), std::string::npos);

  // Only the quota: the password stays.
  auto quota = hosting_->mail().UpdateMailbox(kAdmin, "info@acme.example", {std::nullopt, 100});
  ASSERT_TRUE(quota) << quota.error().message;
  EXPECT_EQ(Row("mailbox", "info@acme.example").data.value("password_hash", ""), new_hash);
}

TEST_F(CredentialUpdateTest, BadMailboxChangesAreRefusedWithAFieldCodeAndNothingWritten) {
  const auto before = TasksAndAudit();
  const Resource row = Row("mailbox", "info@acme.example");
  struct Case {
    const char* address;
    MailboxPatch patch;
    ErrorCode code;
    const char* field;
    const char* field_code;
  };
  const std::vector<Case> cases = {
      {"info@acme.example",
       {std::nullopt, std::nullopt},
       ErrorCode::kInvalid,
       "body",
       "patch.empty"},
      {"info@acme.example",
       {std::string("short"), std::nullopt},
       ErrorCode::kInvalid,
       "password",
       "password.too_short"},
      {"info@acme.example",
       {std::nullopt, 0},
       ErrorCode::kInvalid,
       "quota_mb",
       "number.out_of_range"},
      {"info@acme.example",
       {std::nullopt, 501},
       ErrorCode::kLimit,
       "quota_mb",
       "plan.mailbox_quota_limit"},
      {"nobody@acme.example", {std::string(kNew), std::nullopt}, ErrorCode::kNotFound, "", ""},
      {"not an address", {std::string(kNew), std::nullopt}, ErrorCode::kNotFound, "", ""},
  };
  for (const auto& c : cases) {
    auto r = hosting_->mail().UpdateMailbox(kAdmin, c.address, c.patch);
    ASSERT_FALSE(r) << c.address;
    EXPECT_EQ(r.error().code, c.code) << c.address << " " << r.error().message;
    if (*c.field) {
      EXPECT_EQ(r.error().fields.at(c.field), c.field_code) << r.error().message;
    }
  }
  // Another customer's mailbox is "not found".
  auto other = hosting_->mail().UpdateMailbox(CustomerActor("bravo"), "info@acme.example",
                                              {std::string(kNew), std::nullopt});
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(TasksAndAudit(), before);
  EXPECT_EQ(Row("mailbox", "info@acme.example").data, row.data);
}

TEST_F(CredentialUpdateTest, AnFtpUserGetsANewPasswordOnItsNode) {
  const std::string old_hash = Row("ftpuser", "acme_web").data.value("password_hash", "");
  const auto before = TasksAndAudit();
  auto weak = hosting_->ftp().Update(kAdmin, "acme_web", {"short"});
  ASSERT_FALSE(weak);
  EXPECT_EQ(weak.error().fields.at("password"), "password.too_short");
  auto other = hosting_->ftp().Update(CustomerActor("bravo"), "acme_web", {kNew});
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::kNotFound);
  auto missing = hosting_->ftp().Update(kAdmin, "acme_nobody", {kNew});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(TasksAndAudit(), before);

  auto changed = hosting_->ftp().Update(CustomerActor("acme"), "acme_web", {kNew});
  ASSERT_TRUE(changed) << changed.error().message;
  const std::string new_hash = Row("ftpuser", "acme_web").data.value("password_hash", "");
  EXPECT_NE(new_hash, old_hash);
  ASSERT_EQ(changed->tasks.size(), 1u);
  EXPECT_EQ(changed->tasks[0].kind, protocol::kFtpUserEnsure);
  EXPECT_EQ(changed->tasks[0].spec.value("password_hash", ""), new_hash);
  auto audit = store_->ListAudit({0, 100}, "ftpuser:acme_web");
  ASSERT_TRUE(audit);
  EXPECT_EQ(audit->back().action, "ftpuser.update");
  EXPECT_EQ(audit->back().after.dump().find(new_hash), std::string::npos);
}

}  // namespace
}  // namespace hostplane::controller
