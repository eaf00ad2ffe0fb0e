#include "protocol/messages.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <set>
#include <utility>

#include "common/sealed_box.h"
#include "protocol/account_spec.h"
#include "protocol/spec_reader.h"
#include "protocol/validate.h"

namespace hostplane::protocol {
namespace {

// A message's own code beside the shape codes of spec_reader.h.
constexpr const char* kFieldValue = "field.value";

// The bounds of counts and revisions (never negative) and of members stored in an int.
constexpr int64_t kMaxCount = std::numeric_limits<int64_t>::max();
constexpr int64_t kMaxInt = std::numeric_limits<int>::max();

// Turns a shape violation of a message into its kInvalid error, prefixed with the message type.
Error MessageError(const char* type, const std::string& path, const Violation& v) {
  return Error::InvalidField(path, v.code, std::string(type) + ": " + v.message);
}

// The one violation a message decoder's reader recorded (it stops at the first), as kInvalid.
Error MessageError(const char* type, const FieldErrors& errors) {
  Error e = errors.ToError();
  e.message = std::string(type) + ": " + e.message;
  return e;
}

// HP_TRY for a SpecReader read inside a message decoder: `target = *read` or return kInvalid.
#define HP_READ(target, type, errors, read)                   \
  do {                                                        \
    auto hp_read_ = (read);                                   \
    if (!hp_read_) return Fail(MessageError(type, (errors))); \
    target = std::move(*hp_read_);                            \
  } while (0)

// Finds where a document stops being JSON without throwing: nlohmann's SAX interface reports
// the byte offset of a syntax error to parse_error.
class ErrorPosition : public nlohmann::json_sax<Json> {
 public:
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t position, const std::string&, const Json::exception&) override {
    position_ = position;
    return false;
  }
  std::size_t position() const { return position_; }

 private:
  std::size_t position_ = 0;
};

// Parses one message body, which must be a JSON object. The error names the byte where the
// syntax broke but never echoes the bytes (they come from the bus).
Result<Json> ParseObject(const std::string& data, const char* type) {
  Json j = Json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    ErrorPosition where;
    Json::sax_parse(data, &where, Json::input_format_t::json, /*strict=*/true);
    return Fail(Error::Invalid(std::string(type) + ": not valid JSON (syntax error at byte " +
                               std::to_string(where.position()) + " of " +
                               std::to_string(data.size()) + ")"));
  }
  if (!j.is_object()) {
    return Fail(Error::Invalid(std::string(type) + ": the message must be a JSON object"));
  }
  return j;
}

// Invalid UTF-8 (a daemon's message, say) is replaced rather than throwing at the sender.
std::string Dump(const Json& j) {
  return j.dump(-1, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
}

// The first line of the bytes a bundle signature covers: a signature over a bundle can never
// be taken for one over anything else the controller may sign later.
constexpr const char* kBundleContext = "hostplane bundle v1\n";

// A bundle without its signature. A legacy bundle has no "schema": its signature covers none.
Json BundleBody(const Bundle& b) {
  Json tasks = Json::array();
  for (const Task& t : b.tasks) tasks.push_back(ToJson(t));
  Json body{{"node", b.node}, {"tasks", std::move(tasks)}, {"head", b.head},
            {"more", b.more}, {"error", b.error},          {"signer", b.signer}};
  if (b.schema != kLegacyBundleSchema) body["schema"] = b.schema;
  return body;
}

std::optional<TaskOutcome> OutcomeFromName(const std::string& name) {
  for (TaskOutcome o :
       {TaskOutcome::kApplied, TaskOutcome::kFailed, TaskOutcome::kRetry, TaskOutcome::kRunning}) {
    if (name == OutcomeName(o)) return o;
  }
  return std::nullopt;
}

// Node names on the bus follow CheckNodeName: they become subjects and file names.
Status CheckNodeField(const char* type, const std::string& node) {
  auto checked = CheckNodeName(node);
  if (!checked) return Fail(MessageError(type, "node", checked.error()));
  return Ok();
}

// Kinds and object keys end up in the agent's journal and logs: printable ASCII only, bounded.
bool IsTaskToken(const std::string& s) {
  return !s.empty() && s.size() <= 512 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

Result<Task> TaskFromReader(const Json& j, const std::string& where, const char* type,
                            UnknownMembers unknown) {
  if (!j.is_object()) {
    return Fail(Error::InvalidField(where.empty() ? "task" : where, kFieldType,
                                    std::string(type) + ": " +
                                        (where.empty() ? "the task" : where) +
                                        " must be a JSON object"));
  }
  FieldErrors errors;
  SpecReader r(j, errors, where, unknown);
  Task t;
  HP_READ(t.id, type, errors, r.Integer("id", 0, kMaxCount));
  HP_READ(t.revision, type, errors, r.Integer("revision", 0, kMaxCount));
  HP_READ(t.object_key, type, errors, r.String("object_key"));
  HP_READ(t.kind, type, errors, r.String("kind"));
  const Json* spec = r.Object("spec");
  if (spec == nullptr) return Fail(MessageError(type, errors));
  t.spec = *spec;
  int64_t attempts = 0;
  HP_READ(attempts, type, errors, r.Integer("attempts", 0, kMaxInt, int64_t{0}));
  t.attempts = static_cast<int>(attempts);
  for (auto [key, value] : {std::pair{"object_key", &t.object_key}, std::pair{"kind", &t.kind}}) {
    if (!IsTaskToken(*value)) {
      return Fail(MessageError(type, r.Path(key),
                               {kFieldValue, "field \"" + r.Path(key) +
                                                 "\" must be 1 to 512 printable ASCII "
                                                 "characters without spaces, not " +
                                                 QuoteForMessage(*value)}));
    }
  }
  r.RecordUnknown();
  if (!errors.empty()) return Fail(MessageError(type, errors));
  return t;
}

Json TaskResultToJson(const TaskResult& r) {
  Json j{{"task", r.task},
         {"revision", r.revision},
         {"outcome", OutcomeName(r.outcome)},
         {"detail", r.detail},
         {"duration_ms", r.duration_ms}};
  if (!r.fields.empty()) j["fields"] = r.fields;
  return j;
}

Result<TaskResult> TaskResultFromJson(const Json& j, const std::string& where) {
  constexpr const char* type = "Report";
  if (!j.is_object()) {
    return Fail(Error::InvalidField(where, kFieldType,
                                    std::string(type) + ": " + where + " must be a JSON object"));
  }
  FieldErrors errors;
  SpecReader r(j, errors, where);
  TaskResult out;
  HP_READ(out.task, type, errors, r.Integer("task", 0, kMaxCount));
  HP_READ(out.revision, type, errors, r.Integer("revision", 0, kMaxCount));
  std::string outcome;
  HP_READ(outcome, type, errors, r.String("outcome"));
  auto parsed = OutcomeFromName(outcome);
  if (!parsed) {
    return Fail(MessageError(type, r.Path("outcome"),
                             {kFieldValue, "field \"" + r.Path("outcome") +
                                               "\" must be \"applied\", \"failed\" or \"retry\", "
                                               "not " +
                                               QuoteForMessage(outcome)}));
  }
  out.outcome = *parsed;
  HP_READ(out.detail, type, errors, r.String("detail", std::string()));
  HP_READ(out.duration_ms, type, errors, r.Integer("duration_ms", 0, kMaxCount, int64_t{0}));
  if (r.Has("fields")) {
    const Json* fields = r.Object("fields");
    if (fields == nullptr) return Fail(MessageError(type, errors));
    for (const auto& [path, code] : fields->items()) {
      if (!code.is_string()) {
        return Fail(MessageError(type, r.Path("fields"),
                                 {kFieldType, "field \"" + r.Path("fields") +
                                                  "\" must map field paths to codes (strings)"}));
      }
      out.fields[path] = code.get<std::string>();
    }
  }
  return out;
}

}  // namespace

Result<Json> ParseMessageObject(const std::string& data, const char* type) {
  return ParseObject(data, type);
}
std::string DumpMessage(const Json& j) { return Dump(j); }
Status CheckMessageNode(const char* type, const std::string& node) {
  return CheckNodeField(type, node);
}
Error MessageFieldsError(const char* type, const FieldErrors& errors) {
  return MessageError(type, errors);
}

std::string KeySubject(const std::string& node) { return "hp.node." + node + ".key"; }
std::string TasksSubject(const std::string& node) {
  return std::string(kSubjectTasks) + "." + node;
}
std::string ReportSubject(const std::string& node) {
  return std::string(kSubjectReport) + "." + node;
}
std::string HelloSubject(const std::string& node) {
  return std::string(kSubjectHello) + "." + node;
}
std::string AnyNodeSubject(const std::string& base) { return base + ".*"; }

std::optional<std::string> RequestSubjectNode(const std::string& base, const std::string& subject) {
  if (subject.size() <= base.size() + 1 || !subject.starts_with(base) ||
      subject[base.size()] != '.') {
    return std::nullopt;
  }
  std::string node = subject.substr(base.size() + 1);
  if (node.find('.') != std::string::npos) return std::nullopt;
  return node;
}

const char* OutcomeName(TaskOutcome o) {
  switch (o) {
    case TaskOutcome::kApplied:
      return "applied";
    case TaskOutcome::kFailed:
      return "failed";
    case TaskOutcome::kRetry:
      return "retry";
    case TaskOutcome::kRunning:
      return "running";
  }
  return "failed";
}

Json ToJson(const SiteSpec& s) {
  return Json{{"domain", s.domain},   {"aliases", s.aliases}, {"account", s.account},
              {"docroot", s.docroot}, {"status", s.status},   {"php", s.php},
              {"https", s.https}};
}

Result<SiteSpec> SiteSpecFromJson(const Json& j, UnknownMembers unknown) {
  if (!j.is_object()) return Fail(Error::Invalid("SiteSpec: the spec must be a JSON object"));
  FieldErrors errors;
  SpecReader r(j, errors, "", unknown);
  SiteSpec s;
  s.domain = r.Canonical("domain", CheckDomain, "domain");
  if (auto aliases = r.Strings("aliases", std::vector<std::string>{})) {
    std::set<std::string> seen = {s.domain};
    for (size_t i = 0; i < aliases->size(); ++i) {
      const std::string& alias = (*aliases)[i];
      std::string field = Indexed("aliases", i);
      auto checked = CheckDomain(alias);
      r.CheckCanonical(field, alias, checked, "domain");
      if (checked && !seen.insert(alias).second) {
        r.Add(field, {"domain.duplicate",
                      "The name " + QuoteForMessage(alias) + " is listed twice for this site."});
      }
    }
    s.aliases = *aliases;
    std::sort(s.aliases.begin(), s.aliases.end());
  }
  s.account = r.Canonical("account", CheckLoginGrammar, "login");
  s.docroot = r.Canonical("docroot", CheckRelativePath, "path");
  if (auto v = r.String("status", std::string("active"))) {
    s.status = *v;
    if (s.status != "active" && s.status != "suspended") {
      errors.Add("status",
                 {"status.invalid", "The status must be \"active\" or \"suspended\", not " +
                                        QuoteForMessage(s.status) + "."});
    }
  }
  if (auto v = r.String("php", std::string())) {
    s.php = *v;
    if (!s.php.empty() && !IsPhpVersion(s.php)) {
      errors.Add("php", {"php.invalid",
                         "The PHP version " + QuoteForMessage(s.php) + " is not of the form 8.2."});
    }
  }
  s.https = r.Bool("https", false).value_or(false);
  // The site's web settings travel in the same spec; SiteSettingsOfSpec (site_settings.h) reads
  // them, and the agent's gate runs both (task_spec.h).
  (void)r.Has("settings");
  r.RecordUnknown();
  if (!errors.empty()) return Fail(errors.ToError());
  return s;
}

Json ToJson(const SiteRemoval& s) {
  return Json{{"domain", s.domain},
              {"account", s.account},
              {"docroot", s.docroot},
              {"remove_content", s.remove_content}};
}

Result<SiteRemoval> SiteRemovalFromJson(const Json& j, UnknownMembers unknown) {
  if (!j.is_object()) return Fail(Error::Invalid("SiteRemoval: the spec must be a JSON object"));
  FieldErrors errors;
  SpecReader r(j, errors, "", unknown);
  SiteRemoval s;
  s.domain = r.Canonical("domain", CheckDomain, "domain");
  s.account = r.Canonical("account", CheckLoginGrammar, "login");
  s.docroot = r.Canonical("docroot", CheckRelativePath, "path");
  s.remove_content = r.Bool("remove_content", false).value_or(false);
  r.RecordUnknown();
  if (!errors.empty()) return Fail(errors.ToError());
  return s;
}

Json ToJson(const Task& t) {
  return Json{{"id", t.id},     {"revision", t.revision}, {"object_key", t.object_key},
              {"kind", t.kind}, {"spec", t.spec},         {"attempts", t.attempts}};
}

Result<Task> TaskFromJson(const Json& j) {
  return TaskFromReader(j, "", "Task", UnknownMembers::kIgnore);
}

std::string Encode(const Key& k) { return Dump(Json{{"revision", k.revision}}); }

Result<Key> DecodeKey(const std::string& data) {
  constexpr const char* type = "Key";
  auto j = ParseObject(data, type);
  if (!j) return Fail(std::move(j.error()));
  FieldErrors errors;
  SpecReader r(*j, errors);
  Key k;
  HP_READ(k.revision, type, errors, r.Integer("revision", 0, kMaxCount));
  return k;
}

std::string Encode(const FetchRequest& r) {
  return Dump(Json{{"node", r.node}, {"after", r.after}, {"limit", r.limit}});
}

Result<FetchRequest> DecodeFetchRequest(const std::string& data) {
  constexpr const char* type = "FetchRequest";
  auto j = ParseObject(data, type);
  if (!j) return Fail(std::move(j.error()));
  FieldErrors errors;
  SpecReader r(*j, errors);
  FetchRequest out;
  HP_READ(out.node, type, errors, r.String("node"));
  HP_TRY(CheckNodeField(type, out.node));
  HP_READ(out.after, type, errors, r.Integer("after", 0, kMaxCount));
  int64_t limit = 0;
  HP_READ(limit, type, errors, r.Integer("limit", 0, kMaxInt, int64_t{FetchRequest{}.limit}));
  if (limit == 0) {
    return Fail(MessageError(type, "limit", {kFieldRange, "field \"limit\" must be at least 1"}));
  }
  out.limit = static_cast<int>(limit);
  return out;
}

std::string Encode(const Bundle& b) {
  Json j = BundleBody(b);
  j["sig"] = b.sig;
  return Dump(j);
}

std::string BundleSignedBytes(const Bundle& b) {
  return std::string(kBundleContext) + Dump(BundleBody(b));
}

void SignBundle(Bundle& b, const SigningKey& key) {
  b.signer = key.public_key().ToString();
  b.sig = key.Sign(BundleSignedBytes(b));
}

Status VerifyBundle(const Bundle& b, const PublicKey& key) {
  if (b.sig.empty()) return Fail(Error::Forbidden("the bundle is not signed"));
  if (key.Verify(BundleSignedBytes(b), b.sig)) return Ok();
  const std::string pinned = key.ToString();
  if (b.signer != pinned) {
    return Fail(Error::Forbidden("the bundle is signed by " + QuoteForMessage(b.signer) +
                                 ", not by the pinned controller key " + pinned));
  }
  return Fail(Error::Forbidden(
      "the bundle's signature does not verify: it was changed after it was signed"));
}

Result<Bundle> DecodeBundle(const std::string& data) {
  constexpr const char* type = "Bundle";
  auto j = ParseObject(data, type);
  if (!j) return Fail(std::move(j.error()));
  FieldErrors errors;
  Bundle out;
  // The schema first: it decides whether members nobody reads are refused (this build's schema)
  // or ignored (a legacy bundle; a newer one, decoded only so that the agent can verify it and
  // report why it refuses it).
  HP_READ(out.schema, type, errors,
          SpecReader(*j, errors).Integer("schema", 1, kMaxCount, kLegacyBundleSchema));
  const UnknownMembers unknown =
      out.schema == kBundleSchema ? UnknownMembers::kRefuse : UnknownMembers::kIgnore;
  SpecReader r(*j, errors, "", unknown);
  (void)r.Has("schema");  // read above
  // A refusal may answer a request whose node name was itself unusable, so the node is only
  // required to be a string here.
  HP_READ(out.node, type, errors, r.String("node"));
  const Json* tasks = r.Array("tasks");
  if (tasks == nullptr) return Fail(MessageError(type, errors));
  out.tasks.reserve(tasks->size());
  for (size_t i = 0; i < tasks->size(); ++i) {
    auto t = TaskFromReader((*tasks)[i], "tasks[" + std::to_string(i) + "]", type, unknown);
    if (!t) return Fail(std::move(t.error()));
    out.tasks.push_back(std::move(*t));
  }
  HP_READ(out.head, type, errors, r.Integer("head", 0, kMaxCount));
  HP_READ(out.more, type, errors, r.Bool("more", false));
  HP_READ(out.error, type, errors, r.String("error", std::string()));
  HP_READ(out.signer, type, errors, r.String("signer", std::string()));
  HP_READ(out.sig, type, errors, r.String("sig", std::string()));
  r.RecordUnknown();
  if (!errors.empty()) return Fail(MessageError(type, errors));
  return out;
}

std::string Encode(const Report& r) {
  Json results = Json::array();
  for (const TaskResult& t : r.results) results.push_back(TaskResultToJson(t));
  return Dump(Json{{"node", r.node},
                   {"results", std::move(results)},
                   {"applied_revision", r.applied_revision},
                   {"drift", r.drift},
                   {"reloads", r.reloads}});
}

Result<Report> DecodeReport(const std::string& data) {
  constexpr const char* type = "Report";
  auto j = ParseObject(data, type);
  if (!j) return Fail(std::move(j.error()));
  FieldErrors errors;
  SpecReader r(*j, errors);
  Report out;
  HP_READ(out.node, type, errors, r.String("node"));
  HP_TRY(CheckNodeField(type, out.node));
  const Json* results = r.Array("results");
  if (results == nullptr) return Fail(MessageError(type, errors));
  out.results.reserve(results->size());
  for (size_t i = 0; i < results->size(); ++i) {
    auto t = TaskResultFromJson((*results)[i], "results[" + std::to_string(i) + "]");
    if (!t) return Fail(std::move(t.error()));
    out.results.push_back(std::move(*t));
  }
  HP_READ(out.applied_revision, type, errors, r.Integer("applied_revision", 0, kMaxCount));
  HP_READ(out.drift, type, errors, r.Strings("drift", std::vector<std::string>{}));
  int64_t reloads = 0;
  HP_READ(reloads, type, errors, r.Integer("reloads", 0, kMaxInt, int64_t{0}));
  out.reloads = static_cast<int>(reloads);
  return out;
}

std::string Encode(const Hello& h) {
  Json j{{"node", h.node},
         {"version", h.version},
         {"drivers", h.drivers},
         {"applied_revision", h.applied_revision},
         {"load", h.load}};
  if (!h.box_key.empty()) j["box_key"] = h.box_key;
  if (h.mail_submission) j["mail_submission"] = ToJson(*h.mail_submission);
  return Dump(j);
}

Result<Hello> DecodeHello(const std::string& data) {
  constexpr const char* type = "Hello";
  auto j = ParseObject(data, type);
  if (!j) return Fail(std::move(j.error()));
  FieldErrors errors;
  SpecReader r(*j, errors);
  Hello out;
  HP_READ(out.node, type, errors, r.String("node"));
  HP_TRY(CheckNodeField(type, out.node));
  HP_READ(out.version, type, errors, r.String("version"));
  HP_READ(out.drivers, type, errors, r.Strings("drivers", std::vector<std::string>{}));
  HP_READ(out.applied_revision, type, errors, r.Integer("applied_revision", 0, kMaxCount));
  HP_READ(out.load, type, errors, r.NonNegativeNumber("load", 0.0));
  HP_READ(out.box_key, type, errors, r.String("box_key", std::string()));
  if (!out.box_key.empty() && !BoxPublicKey::Parse(out.box_key)) {
    return Fail(Error::InvalidField("box_key", "box_key.invalid",
                                    "Hello: box_key is not \"x25519:\" and 32 bytes of base64"));
  }
  if (r.Has("mail_submission")) {
    if (const Json* m = r.Object("mail_submission")) {
      out.mail_submission = DecodeSubmissionEndpoint(r.Nested(*m, "mail_submission"));
    }
    if (!errors.empty()) return Fail(MessageFieldsError(type, errors));
  }
  return out;
}

std::string Encode(const Ack& a) { return Dump(Json{{"ok", a.ok}, {"error", a.error}}); }

Result<Ack> DecodeAck(const std::string& data) {
  constexpr const char* type = "Ack";
  auto j = ParseObject(data, type);
  if (!j) return Fail(std::move(j.error()));
  FieldErrors errors;
  SpecReader r(*j, errors);
  Ack out;
  HP_READ(out.ok, type, errors, r.Bool("ok"));
  HP_READ(out.error, type, errors, r.String("error", std::string()));
  return out;
}

#undef HP_READ

}  // namespace hostplane::protocol
