#include "protocol/messages.h"

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>
#include <utility>

namespace hostplane::protocol {
namespace {

// A login that exists on no test machine and is not reserved.
constexpr const char* kAccount = "acme";

SiteSpec ValidSite() {
  SiteSpec s;
  s.domain = "shop.acme.example";
  s.aliases = {"a.acme.example", "xn--bcher-kva.example"};
  s.account = kAccount;
  s.docroot = "web/shop/public";
  s.status = "active";
  return s;
}

TEST(KeySubjectTest, NamesTheNodeSubject) { EXPECT_EQ(KeySubject("web1"), "hp.node.web1.key"); }

TEST(RequestSubjectTest, NamesTheNodeInTheLastToken) {
  EXPECT_EQ(TasksSubject("web1"), "hp.ctl.tasks.web1");
  EXPECT_EQ(ReportSubject("web1"), "hp.ctl.report.web1");
  EXPECT_EQ(HelloSubject("web1"), "hp.ctl.hello.web1");
  EXPECT_EQ(AnyNodeSubject(kSubjectReport), "hp.ctl.report.*");
}

TEST(RequestSubjectTest, TakesTheNodeFromExactlyOneTokenAfterTheBase) {
  const struct {
    std::string subject;
    std::optional<std::string> node;
  } cases[] = {
      {"hp.ctl.report.web1", "web1"},      {"hp.ctl.report", std::nullopt},
      {"hp.ctl.report.", std::nullopt},    {"hp.ctl.report.web1.x", std::nullopt},
      {"hp.ctl.reportweb1", std::nullopt}, {"hp.ctl.hello.web1", std::nullopt},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(RequestSubjectNode(kSubjectReport, c.subject), c.node) << c.subject;
  }
}

TEST(OutcomeNameTest, NamesEveryOutcome) {
  EXPECT_STREQ(OutcomeName(TaskOutcome::kApplied), "applied");
  EXPECT_STREQ(OutcomeName(TaskOutcome::kFailed), "failed");
  EXPECT_STREQ(OutcomeName(TaskOutcome::kRetry), "retry");
  EXPECT_STREQ(OutcomeName(TaskOutcome::kRunning), "running");
}

TEST(OutcomeNameTest, ARunningOutcomeTravelsInAReport) {
  Report r;
  r.node = "web1";
  r.applied_revision = 4;
  r.results.push_back(TaskResult{7, 4, TaskOutcome::kRunning, "copying in the background", 0});
  auto back = DecodeReport(Encode(r));
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ(back->results.size(), 1u);
  EXPECT_EQ(back->results[0].outcome, TaskOutcome::kRunning);
  EXPECT_EQ(back->results[0].detail, "copying in the background");
}

Task SampleTask(int64_t id, int64_t revision) {
  Task t;
  t.id = id;
  t.revision = revision;
  t.object_key = "site:shop.acme.example";
  t.kind = kSiteEnsure;
  t.spec = ToJson(ValidSite());
  t.attempts = 2;
  return t;
}

void ExpectSameTask(const Task& a, const Task& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.revision, b.revision);
  EXPECT_EQ(a.object_key, b.object_key);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.spec, b.spec);
  EXPECT_EQ(a.attempts, b.attempts);
}

TEST(TaskTest, RoundTrips) {
  Task t = SampleTask(7, 42);
  auto back = TaskFromJson(ToJson(t));
  ASSERT_TRUE(back) << back.error().message;
  ExpectSameTask(*back, t);
}

TEST(KeyTest, RoundTrips) {
  for (int64_t rev : {int64_t{0}, int64_t{1}, int64_t{9007199254740993}}) {
    auto back = DecodeKey(Encode(Key{rev}));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->revision, rev);
  }
}

TEST(FetchRequestTest, RoundTripsAndDefaultsTheLimit) {
  auto back = DecodeFetchRequest(Encode(FetchRequest{"web-1", 17, 250}));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->node, "web-1");
  EXPECT_EQ(back->after, 17);
  EXPECT_EQ(back->limit, 250);

  auto defaulted = DecodeFetchRequest(R"({"node":"web1","after":0})");
  ASSERT_TRUE(defaulted) << defaulted.error().message;
  EXPECT_EQ(defaulted->limit, 5000);
}

TEST(BundleTest, RoundTrips) {
  Bundle b;
  b.node = "web1";
  b.tasks = {SampleTask(1, 10), SampleTask(2, 11)};
  b.tasks[1].kind = kSiteRemove;
  b.tasks[1].spec = ToJson(SiteRemoval{"shop.acme.example", kAccount, "web", false});
  b.head = 11;
  b.more = true;
  auto back = DecodeBundle(Encode(b));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->node, b.node);
  ASSERT_EQ(back->tasks.size(), 2u);
  ExpectSameTask(back->tasks[0], b.tasks[0]);
  ExpectSameTask(back->tasks[1], b.tasks[1]);
  EXPECT_EQ(back->head, 11);
  EXPECT_TRUE(back->more);
  EXPECT_EQ(back->error, "");

  Bundle refusal;
  refusal.error = "unknown node";
  auto refused = DecodeBundle(Encode(refusal));
  ASSERT_TRUE(refused) << refused.error().message;
  EXPECT_EQ(refused->error, "unknown node");
  EXPECT_TRUE(refused->tasks.empty());
}

TEST(BundleTest, RoundTripsTheSignature) {
  Bundle b;
  b.node = "web1";
  b.signer = "ed25519:key";
  b.sig = "c2ln";
  auto back = DecodeBundle(Encode(b));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->signer, "ed25519:key");
  EXPECT_EQ(back->sig, "c2ln");
  auto unsigned_bundle = DecodeBundle(R"({"node":"web1","tasks":[],"head":0})");
  ASSERT_TRUE(unsigned_bundle) << unsigned_bundle.error().message;
  EXPECT_EQ(unsigned_bundle->sig, "");
}

SigningKey NewKey() {
  auto key = SigningKey::Generate();
  EXPECT_TRUE(key) << key.error().message;
  return *key;
}

// A bundle with two tasks, every member set, signed by key.
Bundle SignedSample(const SigningKey& key) {
  Bundle b;
  b.node = "web1";
  b.tasks = {SampleTask(1, 10), SampleTask(2, 11)};
  b.head = 12;
  b.more = true;
  SignBundle(b, key);
  return b;
}

TEST(BundleSignatureTest, CoversEveryMemberButTheSignature) {
  const SigningKey key = NewKey();
  const Bundle signed_bundle = SignedSample(key);
  ASSERT_TRUE(VerifyBundle(signed_bundle, key.public_key()));
  EXPECT_EQ(signed_bundle.signer, key.public_key().ToString());

  struct Case {
    const char* name;
    std::function<void(Bundle&)> change;
  };
  const Case cases[] = {
      {"node", [](Bundle& b) { b.node = "web2"; }},
      {"head", [](Bundle& b) { b.head = 13; }},
      {"more", [](Bundle& b) { b.more = false; }},
      {"error", [](Bundle& b) { b.error = "unknown node"; }},
      {"signer", [](Bundle& b) { b.signer = "ed25519:other"; }},
      {"a task removed", [](Bundle& b) { b.tasks.pop_back(); }},
      {"a task added", [](Bundle& b) { b.tasks.push_back(SampleTask(3, 12)); }},
      {"tasks reordered", [](Bundle& b) { std::swap(b.tasks[0], b.tasks[1]); }},
      {"task id", [](Bundle& b) { b.tasks[0].id = 99; }},
      {"task revision", [](Bundle& b) { b.tasks[0].revision = 9; }},
      {"task object_key", [](Bundle& b) { b.tasks[0].object_key = "site:evil.example"; }},
      {"task kind", [](Bundle& b) { b.tasks[0].kind = kSiteRemove; }},
      {"task spec value", [](Bundle& b) { b.tasks[1].spec["docroot"] = "web/other"; }},
      {"task spec member added", [](Bundle& b) { b.tasks[1].spec["php"] = "8.2"; }},
      {"task spec member removed", [](Bundle& b) { b.tasks[1].spec.erase("status"); }},
      {"task attempts", [](Bundle& b) { b.tasks[1].attempts = 3; }},
  };
  for (const auto& c : cases) {
    Bundle changed = signed_bundle;
    c.change(changed);
    EXPECT_NE(BundleSignedBytes(changed), BundleSignedBytes(signed_bundle)) << c.name;
    auto verified = VerifyBundle(changed, key.public_key());
    ASSERT_FALSE(verified) << c.name;
    EXPECT_EQ(verified.error().code, ErrorCode::kForbidden) << c.name;
  }

  Bundle resigned = signed_bundle;
  resigned.sig = "";
  EXPECT_EQ(BundleSignedBytes(resigned), BundleSignedBytes(signed_bundle));
}

TEST(BundleSignatureTest, RefusesUnsignedBundlesAndOtherKeys) {
  const SigningKey key = NewKey();
  const SigningKey other = NewKey();
  Bundle unsigned_bundle = SignedSample(key);
  unsigned_bundle.sig.clear();
  Bundle by_other = SignedSample(other);
  Bundle by_other_claiming = by_other;
  by_other_claiming.signer = key.public_key().ToString();  // lying about the signer changes nothing
  Bundle bad_signer = SignedSample(key);
  bad_signer.signer = "ed25519:\n\x1b[31m";
  bad_signer.sig = other.Sign(BundleSignedBytes(bad_signer));
  Bundle garbage = SignedSample(key);
  garbage.sig = "not base64 at all";
  for (const Bundle* b : {&unsigned_bundle, &by_other, &by_other_claiming, &bad_signer, &garbage}) {
    auto verified = VerifyBundle(*b, key.public_key());
    ASSERT_FALSE(verified);
    EXPECT_EQ(verified.error().code, ErrorCode::kForbidden);
    EXPECT_EQ(verified.error().message.find('\x1b'), std::string::npos) << verified.error().message;
  }
  EXPECT_TRUE(VerifyBundle(by_other, other.public_key()));
}

TEST(BundleSignatureTest, SurvivesTheWireAndDetectsChangesOnIt) {
  const SigningKey key = NewKey();
  Bundle b;
  b.node = "web1";
  b.head = 9007199254740993;
  Task t = SampleTask(1, 9007199254740993);
  // Members out of order, nesting, numbers of every kind, non-ASCII and invalid UTF-8.
  t.spec =
      Json::parse(R"({"z": 1, "a": {"y": [1.5, -0.0, 1e300, 18446744073709551615], "b": "ü"}})");
  t.spec["raw"] = std::string("bad \xff byte");
  b.tasks = {t};
  b.error = "\u202e";
  SignBundle(b, key);

  const std::string wire = Encode(b);
  auto back = DecodeBundle(wire);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_TRUE(VerifyBundle(*back, key.public_key()));
  EXPECT_EQ(BundleSignedBytes(*back), BundleSignedBytes(b));

  // A member added on the wire is not signed: a bundle of this schema refuses it
  // (bundle_schema_test.cc), so nothing unsigned is ever applied.
  Json extra = Json::parse(wire);
  extra["tasks"][0]["note"] = "added";
  extra["relay"] = true;
  auto with_extra = DecodeBundle(extra.dump());
  ASSERT_FALSE(with_extra);
  EXPECT_EQ(with_extra.error().fields.at("tasks[0].note"), "field.unknown");

  // Changed on the wire: the spec of the task, or the node.
  for (const auto& [from, to] :
       {std::pair{R"("z":1)", R"("z":2)"}, std::pair{R"("node":"web1")", R"("node":"web2")"}}) {
    std::string tampered = wire;
    size_t at = tampered.find(from);
    ASSERT_NE(at, std::string::npos) << from << " in " << wire;
    tampered.replace(at, std::string(from).size(), to);
    auto decoded = DecodeBundle(tampered);
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_FALSE(VerifyBundle(*decoded, key.public_key())) << to;
  }
}

TEST(ReportTest, RoundTrips) {
  Report r;
  r.node = "web1";
  r.results = {{1, 10, TaskOutcome::kApplied, "", 12},
               {2, 11, TaskOutcome::kFailed, "nginx: [emerg] unexpected \"}\"", 30},
               {3, 12, TaskOutcome::kRetry, "disk full", 0}};
  r.applied_revision = 12;
  r.drift = {"etc/nginx/hostplane/sites/x.conf"};
  r.reloads = 1;
  auto back = DecodeReport(Encode(r));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->node, "web1");
  ASSERT_EQ(back->results.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(back->results[i].task, r.results[i].task);
    EXPECT_EQ(back->results[i].revision, r.results[i].revision);
    EXPECT_EQ(back->results[i].outcome, r.results[i].outcome);
    EXPECT_EQ(back->results[i].detail, r.results[i].detail);
    EXPECT_EQ(back->results[i].duration_ms, r.results[i].duration_ms);
  }
  EXPECT_EQ(back->applied_revision, 12);
  EXPECT_EQ(back->drift, r.drift);
  EXPECT_EQ(back->reloads, 1);
}

TEST(ReportTest, EncodesInvalidUtf8InADaemonMessageWithoutFailing) {
  Report r;
  r.node = "web1";
  r.results = {{1, 1, TaskOutcome::kFailed, "bad byte \xff here", 1}};
  auto back = DecodeReport(Encode(r));
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ(back->results.size(), 1u);
  EXPECT_NE(back->results[0].detail.find("here"), std::string::npos);
}

TEST(HelloTest, RoundTrips) {
  Hello h{"web1", "0.1.0", {"nginx", "php-fpm"}, 99, 0.75, ""};
  auto back = DecodeHello(Encode(h));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->node, h.node);
  EXPECT_EQ(back->version, h.version);
  EXPECT_EQ(back->drivers, h.drivers);
  EXPECT_EQ(back->applied_revision, 99);
  EXPECT_DOUBLE_EQ(back->load, 0.75);

  auto integral_load =
      DecodeHello(R"({"node":"web1","version":"1","applied_revision":0,"load":2})");
  ASSERT_TRUE(integral_load) << integral_load.error().message;
  EXPECT_DOUBLE_EQ(integral_load->load, 2.0);
}

// A mail node announces where it takes submissions (PHP's mail() of its accounts goes there).
TEST(HelloTest, CarriesTheMailNodesSubmissionEndpointAndRefusesABadOne) {
  Hello h{"mx1", "0.1.0", {"mail"}, 1, 0, ""};
  auto none = DecodeHello(Encode(h));
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_FALSE(none->mail_submission.has_value());
  h.mail_submission = SubmissionEndpoint{"", 587, "starttls", "mx.hostplane.internal"};
  auto back = DecodeHello(Encode(h));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->mail_submission, h.mail_submission);
  for (const auto& [endpoint, field] :
       {std::pair{R"({"host":"a b","port":587,"tls":"starttls","tls_name":"mx.example"})",
                  "mail_submission.host"},
        std::pair{R"({"host":"","port":0,"tls":"starttls","tls_name":"mx.example"})",
                  "mail_submission.port"},
        std::pair{R"({"host":"","port":465,"tls":"none","tls_name":"mx.example"})",
                  "mail_submission.tls"},
        std::pair{R"({"host":"","port":465,"tls":"implicit","tls_name":"x\ny"})",
                  "mail_submission.tls_name"}}) {
    auto bad = DecodeHello(std::string(R"({"node":"mx1","version":"1","applied_revision":0,)") +
                           R"("mail_submission":)" + endpoint + "}");
    ASSERT_FALSE(bad) << endpoint;
    EXPECT_EQ(bad.error().fields.count(field), 1u) << endpoint << ": " << bad.error().message;
  }
}

TEST(AckTest, RoundTripsAndAcceptsTheShortForm) {
  for (const Ack& a : {Ack{true, ""}, Ack{false, "unknown node"}}) {
    auto back = DecodeAck(Encode(a));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->ok, a.ok);
    EXPECT_EQ(back->error, a.error);
  }
  auto short_form = DecodeAck(R"({"ok": true})");
  ASSERT_TRUE(short_form) << short_form.error().message;
  EXPECT_TRUE(short_form->ok);
}

TEST(MessagesTest, IgnoresUnknownFields) {
  auto key = DecodeKey(R"({"revision": 5, "sig": "abc", "future": {"x": [1]}})");
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(key->revision, 5);
  auto ack = DecodeAck(R"({"ok": false, "error": "x", "retry_after_ms": 100})");
  ASSERT_TRUE(ack) << ack.error().message;
  EXPECT_FALSE(ack->ok);
}

// Decodes `data` with one of the decoders and returns its error, if any.
using Decoder = std::function<std::optional<Error>(const std::string&)>;

template <typename F>
Decoder Wrap(F f) {
  return [f](const std::string& data) -> std::optional<Error> {
    auto r = f(data);
    if (r) return std::nullopt;
    return r.error();
  };
}

struct RejectCase {
  const char* name;
  Decoder decode;
  std::string data;
  std::string field;  // "" when the error is about the whole message (syntax, shape)
  std::string code;
};

std::string TaskJson(const std::string& overrides) {
  Json t = ToJson(SampleTask(1, 1));
  Json patch = Json::parse(overrides);
  for (auto& [k, v] : patch.items()) {
    if (v.is_null()) {
      t.erase(k);
    } else {
      t[k] = v;
    }
  }
  return R"({"node":"web1","head":1,"tasks":[)" + t.dump() + "]}";
}

TEST(MessagesTest, RejectsMalformedMessages) {
  Decoder key = Wrap(DecodeKey);
  Decoder fetch = Wrap(DecodeFetchRequest);
  Decoder bundle = Wrap(DecodeBundle);
  Decoder report = Wrap(DecodeReport);
  Decoder hello = Wrap(DecodeHello);
  Decoder ack = Wrap(DecodeAck);
  Decoder task = Wrap([](const std::string& d) { return TaskFromJson(Json::parse(d)); });
  const std::string result_ok = R"({"task":1,"revision":1,"outcome":"applied"})";

  const RejectCase cases[] = {
      {"empty body", key, "", "", ""},
      {"not json", key, "revision=5", "", ""},
      {"truncated", key, R"({"revision": 5)", "", ""},
      {"trailing garbage", key, R"({"revision": 5} x)", "", ""},
      {"array", key, "[5]", "", ""},
      {"string", key, R"("5")", "", ""},
      {"invalid utf-8", key, "{\"revision\": 5, \"x\": \"\xff\"}", "", ""},
      {"missing revision", key, "{}", "revision", "field.missing"},
      {"negative revision", key, R"({"revision": -1})", "revision", "field.range"},
      {"revision as string", key, R"({"revision": "5"})", "revision", "field.type"},
      {"revision as float", key, R"({"revision": 5.0})", "revision", "field.type"},
      {"revision null", key, R"({"revision": null})", "revision", "field.type"},
      {"revision bool", key, R"({"revision": true})", "revision", "field.type"},
      {"revision too big", key, R"({"revision": 18446744073709551615})", "revision", "field.range"},

      {"fetch without node", fetch, R"({"after": 0})", "node", "field.missing"},
      {"fetch node uppercase", fetch, R"({"node": "Web1", "after": 0})", "node", "node.invalid"},
      {"fetch node subject injection", fetch, R"({"node": "web1.>", "after": 0})", "node",
       "node.invalid"},
      {"fetch negative after", fetch, R"({"node": "web1", "after": -3})", "after", "field.range"},
      {"fetch without after", fetch, R"({"node": "web1"})", "after", "field.missing"},
      {"fetch zero limit", fetch, R"({"node": "web1", "after": 0, "limit": 0})", "limit",
       "field.range"},
      {"fetch huge limit", fetch, R"({"node": "web1", "after": 0, "limit": 4294967296})", "limit",
       "field.range"},

      {"bundle without tasks", bundle, R"({"node": "web1", "head": 0})", "tasks", "field.missing"},
      {"bundle tasks object", bundle, R"({"node": "web1", "head": 0, "tasks": {}})", "tasks",
       "field.type"},
      {"bundle task not object", bundle, R"({"node": "web1", "head": 0, "tasks": [1]})", "tasks[0]",
       "field.type"},
      {"bundle without head", bundle, R"({"node": "web1", "tasks": []})", "head", "field.missing"},
      {"bundle negative head", bundle, R"({"node": "web1", "tasks": [], "head": -1})", "head",
       "field.range"},
      {"bundle more string", bundle, R"({"node":"web1","tasks":[],"head":0,"more":"yes"})", "more",
       "field.type"},
      {"bundle error number", bundle, R"({"node":"web1","tasks":[],"head":0,"error":1})", "error",
       "field.type"},
      {"bundle sig number", bundle, R"({"node":"web1","tasks":[],"head":0,"sig":1})", "sig",
       "field.type"},
      {"bundle sig null", bundle, R"({"node":"web1","tasks":[],"head":0,"sig":null})", "sig",
       "field.type"},
      {"bundle signer array", bundle, R"({"node":"web1","tasks":[],"head":0,"signer":[]})",
       "signer", "field.type"},
      {"task negative revision", bundle, TaskJson(R"({"revision": -5})"), "tasks[0].revision",
       "field.range"},
      {"task negative id", bundle, TaskJson(R"({"id": -1})"), "tasks[0].id", "field.range"},
      {"task without spec", bundle, TaskJson(R"({"spec": null})"), "tasks[0].spec",
       "field.missing"},
      {"task spec string", bundle, TaskJson(R"({"spec": "{}"})"), "tasks[0].spec", "field.type"},
      {"task without kind", bundle, TaskJson(R"({"kind": null})"), "tasks[0].kind",
       "field.missing"},
      {"task empty kind", bundle, TaskJson(R"({"kind": ""})"), "tasks[0].kind", "field.value"},
      {"task kind with newline", bundle, TaskJson(R"({"kind": "site.ensure\n"})"), "tasks[0].kind",
       "field.value"},
      {"task empty object key", bundle, TaskJson(R"({"object_key": ""})"), "tasks[0].object_key",
       "field.value"},
      {"task fractional attempts", bundle, TaskJson(R"({"attempts": 1.5})"), "tasks[0].attempts",
       "field.type"},
      {"task alone negative revision", task,
       R"({"id":1,"revision":-1,"object_key":"site:a.example","kind":"site.ensure","spec":{}})",
       "revision", "field.range"},
      {"task alone without id", task,
       R"({"revision":1,"object_key":"site:a.example","kind":"site.ensure","spec":{}})", "id",
       "field.missing"},

      {"report without node", report, R"({"results": [], "applied_revision": 0})", "node",
       "field.missing"},
      {"report bad node", report, R"({"node": "-x", "results": [], "applied_revision": 0})", "node",
       "node.invalid"},
      {"report results missing", report, R"({"node": "web1", "applied_revision": 0})", "results",
       "field.missing"},
      {"report unknown outcome", report,
       R"({"node":"web1","applied_revision":1,"results":[{"task":1,"revision":1,"outcome":"done"}]})",
       "results[0].outcome", "field.value"},
      {"report result without task", report,
       R"({"node":"web1","applied_revision":1,"results":[{"revision":1,"outcome":"failed"}]})",
       "results[0].task", "field.missing"},
      {"report negative duration", report,
       R"({"node":"web1","applied_revision":1,"results":[{"task":1,"revision":1,"outcome":"retry","duration_ms":-1}]})",
       "results[0].duration_ms", "field.range"},
      {"report negative applied", report,
       R"({"node":"web1","applied_revision":-1,"results":[)" + result_ok + "]}", "applied_revision",
       "field.range"},
      {"report drift numbers", report,
       R"({"node":"web1","applied_revision":1,"results":[],"drift":[1]})", "drift", "field.type"},
      {"report negative reloads", report,
       R"({"node":"web1","applied_revision":1,"results":[],"reloads":-2})", "reloads",
       "field.range"},

      {"hello without version", hello, R"({"node":"web1","applied_revision":0})", "version",
       "field.missing"},
      {"hello drivers string", hello,
       R"({"node":"web1","version":"1","applied_revision":0,"drivers":"nginx"})", "drivers",
       "field.type"},
      {"hello negative load", hello,
       R"({"node":"web1","version":"1","applied_revision":0,"load":-0.5})", "load", "field.range"},
      {"hello load string", hello,
       R"({"node":"web1","version":"1","applied_revision":0,"load":"high"})", "load", "field.type"},
      {"hello bad node", hello, R"({"node":"web 1","version":"1","applied_revision":0})", "node",
       "node.invalid"},

      {"ack without ok", ack, R"({"error": "x"})", "ok", "field.missing"},
      {"ack ok string", ack, R"({"ok": "true"})", "ok", "field.type"},
      {"ack error number", ack, R"({"ok": false, "error": 5})", "error", "field.type"},
  };
  for (const auto& c : cases) {
    std::optional<Error> err = c.decode(c.data);
    ASSERT_TRUE(err.has_value()) << c.name;
    EXPECT_EQ(err->code, ErrorCode::kInvalid) << c.name;
    EXPECT_FALSE(err->message.empty()) << c.name;
    if (c.field.empty()) {
      EXPECT_TRUE(err->fields.empty()) << c.name << ": " << err->message;
    } else {
      ASSERT_EQ(err->fields.count(c.field), 1u) << c.name << ": " << err->message;
      EXPECT_EQ(err->fields.at(c.field), c.code) << c.name << ": " << err->message;
      EXPECT_NE(err->message.find(c.field), std::string::npos) << c.name << ": " << err->message;
    }
  }
}

TEST(MessagesTest, SyntaxErrorsNameTheByteButNeverEchoTheInput) {
  const std::string data = "{\"revision\": 1, \"x\": \x1b[31m<script>}";
  auto key = DecodeKey(data);
  ASSERT_FALSE(key);
  EXPECT_NE(key.error().message.find("byte"), std::string::npos) << key.error().message;
  EXPECT_EQ(key.error().message.find("<script>"), std::string::npos) << key.error().message;
  EXPECT_EQ(key.error().message.find('\x1b'), std::string::npos) << key.error().message;
}

TEST(MessagesTest, ValueErrorsEscapeTheInput) {
  auto r = DecodeReport(
      R"({"node":"web1","applied_revision":1,"results":[{"task":1,"revision":1,"outcome":"x\n\u001b"}]})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find('\x1b'), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace hostplane::protocol
