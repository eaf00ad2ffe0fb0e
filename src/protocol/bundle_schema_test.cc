// Bundles carry a schema version (messages.h kBundleSchema): the controller stamps it and signs
// it; a bundle of this schema refuses every member nobody reads, at the top, in a task and in
// every spec (task_spec.h); a legacy bundle (no "schema", from a controller older than schema
// versions) is read as before and its signature still verifies; a newer one decodes, so that the
// agent can verify it and say why it refuses it.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/account_spec.h"
#include "protocol/cert_spec.h"
#include "protocol/mail_spec.h"
#include "protocol/messages.h"
#include "protocol/site_settings.h"
#include "protocol/task_spec.h"
#include "protocol/zone_spec.h"

namespace hostplane::protocol {
namespace {

Task SiteTask(int64_t id) {
  SiteSpec s;
  s.domain = "shop.acme.example";
  s.account = "acme";
  s.docroot = "web";
  Task t;
  t.id = t.revision = id;
  t.object_key = "site:" + s.domain;
  t.kind = kSiteEnsure;
  t.spec = ToJson(s);
  return t;
}

SigningKey NewKey() {
  auto key = SigningKey::Generate();
  EXPECT_TRUE(key) << key.error().message;
  return *key;
}

TEST(BundleSchemaTest, TheSchemaIsStampedSignedAndRoundTrips) {
  const SigningKey key = NewKey();
  Bundle b;
  b.node = "web1";
  b.tasks = {SiteTask(1)};
  b.head = 1;
  SignBundle(b, key);
  EXPECT_EQ(b.schema, kBundleSchema);
  const Json wire = Json::parse(Encode(b));
  EXPECT_EQ(wire.at("schema"), kBundleSchema);
  auto back = DecodeBundle(Encode(b));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->schema, kBundleSchema);
  EXPECT_TRUE(VerifyBundle(*back, key.public_key()));
  // The schema is covered by the signature: a relay cannot make a bundle look older or newer.
  for (int64_t other : {kLegacyBundleSchema, kBundleSchema + 1}) {
    Bundle changed = *back;
    changed.schema = other;
    auto verified = VerifyBundle(changed, key.public_key());
    ASSERT_FALSE(verified) << other;
    EXPECT_EQ(verified.error().code, ErrorCode::kForbidden);
  }
}

// Upgrade order (docs/upgrading.md): agents first, so an upgraded agent still takes what a
// controller older than schema versions signed, and ignores members it does not read, as before.
TEST(BundleSchemaTest, ALegacyBundleWithoutASchemaIsReadAsBeforeAndItsSignatureVerifies) {
  const SigningKey key = NewKey();
  Bundle legacy;
  legacy.schema = kLegacyBundleSchema;  // as the legacy controller encoded it: no member at all
  legacy.node = "web1";
  legacy.tasks = {SiteTask(1)};
  legacy.head = 1;
  SignBundle(legacy, key);
  Json wire = Json::parse(Encode(legacy));
  EXPECT_FALSE(wire.contains("schema"));
  wire["tasks"][0]["future"] = true;  // members a legacy bundle's reader ignores
  wire["future"] = {{"x", 1}};
  auto back = DecodeBundle(wire.dump());
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->schema, kLegacyBundleSchema);
  EXPECT_TRUE(VerifyBundle(*back, key.public_key()));
  Task task_with_member = back->tasks[0];
  task_with_member.spec["future"] = 1;
  EXPECT_TRUE(CheckTaskSpec(task_with_member, UnknownMembers::kIgnore));
}

TEST(BundleSchemaTest, ABundleOfThisSchemaRefusesMembersItDoesNotKnow) {
  Bundle b;
  b.node = "web1";
  b.tasks = {SiteTask(1), SiteTask(2)};
  b.head = 2;
  struct Case {
    const char* name;
    void (*change)(Json&);
    const char* field;
  };
  const Case cases[] = {
      {"top", [](Json& j) { j["priority"] = 1; }, "priority"},
      {"task", [](Json& j) { j["tasks"][1]["run_as"] = "root"; }, "tasks[1].run_as"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Json wire = Json::parse(Encode(b));
    c.change(wire);
    auto decoded = DecodeBundle(wire.dump());
    ASSERT_FALSE(decoded);
    EXPECT_EQ(decoded.error().code, ErrorCode::kInvalid);
    EXPECT_EQ(decoded.error().fields.at(c.field), "field.unknown") << decoded.error().message;
  }
}

TEST(BundleSchemaTest, ANewerSchemaDecodesSoTheAgentCanSayWhyItRefusesIt) {
  Bundle b;
  b.node = "web1";
  b.tasks = {SiteTask(1)};
  b.head = 1;
  b.schema = kBundleSchema + 1;
  Json wire = Json::parse(Encode(b));
  wire["tasks"][0]["new_member"] = 1;  // whatever the newer schema added
  auto back = DecodeBundle(wire.dump());
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->schema, kBundleSchema + 1);
  ASSERT_EQ(back->tasks.size(), 1u);

  for (const char* bad : {R"({"schema":0,"node":"web1","tasks":[],"head":0})",
                          R"({"schema":"2","node":"web1","tasks":[],"head":0})",
                          R"({"schema":-2,"node":"web1","tasks":[],"head":0})"}) {
    auto refused = DecodeBundle(bad);
    ASSERT_FALSE(refused) << bad;
    EXPECT_TRUE(refused.error().fields.contains("schema")) << bad;
  }
}

// Every kind's spec, as the controller encodes it, passes the strict gate; a member it does not
// know, at the top or in any nested object, is refused under its path; ignored without kRefuse.
TEST(TaskSpecTest, EverySpecRefusesUnknownMembersAtEveryLevel) {
  AccountSpec account;
  account.login = "acme";
  account.uid = account.gid = 20001;
  MailDomainSpec mail;
  mail.domain = "acme.example";
  mail.account = "acme";
  mail.mailboxes = {
      {"info", "$y$j9T$abcdefghijklmnopqrstuv$ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./a", 1024}};
  mail.forwarders = {{"sales", {"info@acme.example"}}};
  Json zone = Json::parse(R"({
    "zone": "acme.example", "account": "acme", "serial": 2026112401, "default_ttl": 3600,
    "soa": {"mname": "ns1.hostplane.example", "rname": "hostmaster.acme.example",
            "refresh": 3600, "retry": 600, "expire": 1209600, "minimum": 300},
    "records": [{"name": "www", "type": "A", "ttl": 3600, "value": "192.0.2.10"}]})");
  // As the controller sends a site (controller/services/task_specs.cc): with its web settings.
  Json site_with_settings = SiteTask(1).spec;
  site_with_settings["settings"] = ToJson(SiteSettings{});
  struct Case {
    const char* kind;
    Json spec;
    std::vector<std::string> objects;  // JSON pointers of the nested objects a reader reads
  };
  const std::vector<Case> cases = {
      {kSiteEnsure, SiteTask(1).spec, {""}},
      {kSiteEnsure, site_with_settings, {""}},
      {kAccountEnsure, ToJson(account), {""}},
      {kMailDomainEnsure, ToJson(mail), {"", "/mailboxes/0", "/forwarders/0"}},
      {kZoneEnsure, zone, {"", "/soa", "/records/0"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.kind);
    Task t;
    t.kind = c.kind;
    t.spec = c.spec;
    auto strict = CheckTaskSpec(t, UnknownMembers::kRefuse);
    ASSERT_TRUE(strict) << strict.error().message;
    for (const std::string& pointer : c.objects) {
      SCOPED_TRACE(pointer);
      Task extra = t;
      extra.spec[Json::json_pointer(pointer)]["zz_new"] = 1;
      auto refused = CheckTaskSpec(extra, UnknownMembers::kRefuse);
      ASSERT_FALSE(refused);
      // "/mailboxes/0" -> "mailboxes[0].zz_new"
      std::string field;
      if (pointer.empty()) {
        field = "zz_new";
      } else {
        std::string rest = pointer.substr(1);
        size_t slash = rest.find('/');
        field = slash == std::string::npos
                    ? rest + ".zz_new"
                    : rest.substr(0, slash) + "[" + rest.substr(slash + 1) + "].zz_new";
      }
      EXPECT_EQ(refused.error().fields.at(field), "field.unknown") << refused.error().message;
      EXPECT_TRUE(CheckTaskSpec(extra, UnknownMembers::kIgnore));
    }
  }
  Task unknown_kind;
  unknown_kind.kind = "fake.set";
  EXPECT_EQ(CheckTaskSpec(unknown_kind, UnknownMembers::kRefuse).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(TaskSpecKinds().size(), 20u);
}

TEST(TaskResultTest, CarriesTheFieldCodesOfARefusedSpec) {
  Report r;
  r.node = "web1";
  TaskResult t;
  t.task = 1;
  t.revision = 1;
  t.outcome = TaskOutcome::kFailed;
  t.detail = "The domain is empty.";
  t.fields = {{"domain", "domain.empty"}, {"aliases[0]", "domain.hyphen"}};
  r.results = {t};
  auto back = DecodeReport(Encode(r));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->results.at(0).fields, t.fields);
  auto bad = DecodeReport(
      R"({"node":"web1","applied_revision":1,"results":[{"task":1,"revision":1,"outcome":"failed","fields":{"domain":1}}]})");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().fields.at("results[0].fields"), "field.type");
}

}  // namespace
}  // namespace hostplane::protocol
