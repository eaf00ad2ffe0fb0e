#include "protocol/messages.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <utility>

#include "protocol/account_spec.h"
#include "protocol/validate.h"

namespace hostplane::protocol {
namespace {

// Codes for a message's shape, in the same "<grammar>.<reason>" style as validate.h.
constexpr const char* kFieldMissing = "field.missing";
constexpr const char* kFieldType = "field.type";
constexpr const char* kFieldRange = "field.range";
constexpr const char* kFieldValue = "field.value";

// Reads the members of one JSON object strictly: a member that is present must have the
// expected type (null is a wrong type, not "absent"); members nobody asks for are ignored, so
// a newer peer may add fields. `where` is the object's own path ("tasks[2]", "" for the top level).
class ObjectReader {
 public:
  ObjectReader(const Json& object, std::string where) : object_(object), where_(std::move(where)) {}

  // The dotted path of a member, used as the field path of errors: "tasks[2].revision".
  std::string Path(const char* key) const {
    return where_.empty() ? std::string(key) : where_ + "." + key;
  }

  Checked<std::string> String(const char* key, std::optional<std::string> fallback) const {
    const Json* v = Find(key);
    if (v == nullptr) return Absent(key, std::move(fallback));
    if (!v->is_string()) return Wrong(key, "a string");
    return v->get<std::string>();
  }

  Checked<bool> Bool(const char* key, std::optional<bool> fallback) const {
    const Json* v = Find(key);
    if (v == nullptr) return Absent(key, fallback);
    if (!v->is_boolean()) return Wrong(key, "true or false");
    return v->get<bool>();
  }

  // An integer in [0, max]. Floats ("5.0") and strings ("5") are wrong types.
  Checked<int64_t> Count(const char* key, std::optional<int64_t> fallback,
                         int64_t max = std::numeric_limits<int64_t>::max()) const {
    const Json* v = Find(key);
    if (v == nullptr) return Absent(key, fallback);
    if (!v->is_number_integer()) return Wrong(key, "an integer");
    bool in_range;
    int64_t value = 0;
    if (v->is_number_unsigned()) {
      uint64_t u = v->get<uint64_t>();
      in_range = u <= static_cast<uint64_t>(max);
      value = in_range ? static_cast<int64_t>(u) : 0;
    } else {
      value = v->get<int64_t>();
      in_range = value >= 0 && value <= max;
    }
    if (!in_range) {
      return tl::unexpected(Violation{
          kFieldRange, Describe(key) + " must be an integer from 0 to " + std::to_string(max)});
    }
    return value;
  }

  Checked<double> NonNegativeNumber(const char* key, std::optional<double> fallback) const {
    const Json* v = Find(key);
    if (v == nullptr) return Absent(key, fallback);
    if (!v->is_number()) return Wrong(key, "a number");
    double d = v->get<double>();
    if (!std::isfinite(d) || d < 0) {
      return tl::unexpected(Violation{kFieldRange, Describe(key) + " must not be negative"});
    }
    return d;
  }

  Checked<std::vector<std::string>> Strings(
      const char* key, std::optional<std::vector<std::string>> fallback) const {
    const Json* v = Find(key);
    if (v == nullptr) return Absent(key, std::move(fallback));
    if (!v->is_array()) return Wrong(key, "an array of strings");
    std::vector<std::string> out;
    out.reserve(v->size());
    for (const Json& item : *v) {
      if (!item.is_string()) return Wrong(key, "an array of strings");
      out.push_back(item.get<std::string>());
    }
    return out;
  }

  // The member itself, which must be an array or an object as asked.
  Checked<const Json*> Array(const char* key) const {
    const Json* v = Find(key);
    if (v == nullptr) return Absent<const Json*>(key, std::nullopt);
    if (!v->is_array()) return Wrong(key, "an array");
    return v;
  }
  Checked<const Json*> Object(const char* key) const {
    const Json* v = Find(key);
    if (v == nullptr) return Absent<const Json*>(key, std::nullopt);
    if (!v->is_object()) return Wrong(key, "an object");
    return v;
  }

 private:
  const Json* Find(const char* key) const {
    auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
  }

  std::string Describe(const char* key) const { return "field \"" + Path(key) + "\""; }

  template <typename T>
  Checked<T> Absent(const char* key, std::optional<T> fallback) const {
    if (fallback) return std::move(*fallback);
    return tl::unexpected(Violation{kFieldMissing, "required " + Describe(key) + " is missing"});
  }

  tl::unexpected<Violation> Wrong(const char* key, const char* expected) const {
    return tl::unexpected(Violation{kFieldType, Describe(key) + " must be " + expected});
  }

  const Json& object_;
  std::string where_;
};

// Turns a shape violation of a message into its kInvalid error, prefixed with the message type.
Error MessageError(const char* type, const std::string& path, const Violation& v) {
  return Error::InvalidField(path, v.code, std::string(type) + ": " + v.message);
}

// HP_TRY for Checked<T> inside a message decoder: `target = *checked` or return kInvalid.
#define HP_READ(target, type, reader, key, call)                                          \
  do {                                                                                    \
    auto hp_read_ = (reader).call;                                                        \
    if (!hp_read_) return Fail(MessageError(type, (reader).Path(key), hp_read_.error())); \
    target = std::move(*hp_read_);                                                        \
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

// A bundle without its signature.
Json BundleBody(const Bundle& b) {
  Json tasks = Json::array();
  for (const Task& t : b.tasks) tasks.push_back(ToJson(t));
  return Json{{"node", b.node}, {"tasks", std::move(tasks)}, {"head", b.head},
              {"more", b.more}, {"error", b.error},          {"signer", b.signer}};
}

std::optional<TaskOutcome> OutcomeFromName(const std::string& name) {
  for (TaskOutcome o : {TaskOutcome::kApplied, TaskOutcome::kFailed, TaskOutcome::kRetry}) {
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

Result<Task> TaskFromReader(const Json& j, const std::string& where, const char* type) {
  if (!j.is_object()) {
    return Fail(Error::InvalidField(where.empty() ? "task" : where, kFieldType,
                                    std::string(type) + ": " +
                                        (where.empty() ? "the task" : where) +
                                        " must be a JSON object"));
  }
  ObjectReader r(j, where);
  Task t;
  HP_READ(t.id, type, r, "id", Count("id", std::nullopt));
  HP_READ(t.revision, type, r, "revision", Count("revision", std::nullopt));
  HP_READ(t.object_key, type, r, "object_key", String("object_key", std::nullopt));
  HP_READ(t.kind, type, r, "kind", String("kind", std::nullopt));
  const Json* spec = nullptr;
  HP_READ(spec, type, r, "spec", Object("spec"));
  t.spec = *spec;
  int64_t attempts = 0;
  HP_READ(attempts, type, r, "attempts",
          Count("attempts", int64_t{0}, std::numeric_limits<int>::max()));
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
  return t;
}

Json TaskResultToJson(const TaskResult& r) {
  return Json{{"task", r.task},
              {"revision", r.revision},
              {"outcome", OutcomeName(r.outcome)},
              {"detail", r.detail},
              {"duration_ms", r.duration_ms}};
}

Result<TaskResult> TaskResultFromJson(const Json& j, const std::string& where) {
  constexpr const char* type = "Report";
  if (!j.is_object()) {
    return Fail(Error::InvalidField(where, kFieldType,
                                    std::string(type) + ": " + where + " must be a JSON object"));
  }
  ObjectReader r(j, where);
  TaskResult out;
  HP_READ(out.task, type, r, "task", Count("task", std::nullopt));
  HP_READ(out.revision, type, r, "revision", Count("revision", std::nullopt));
  std::string outcome;
  HP_READ(outcome, type, r, "outcome", String("outcome", std::nullopt));
  auto parsed = OutcomeFromName(outcome);
  if (!parsed) {
    return Fail(MessageError(type, r.Path("outcome"),
                             {kFieldValue, "field \"" + r.Path("outcome") +
                                               "\" must be \"applied\", \"failed\" or \"retry\", "
                                               "not " +
                                               QuoteForMessage(outcome)}));
  }
  out.outcome = *parsed;
  HP_READ(out.detail, type, r, "detail", String("detail", std::string()));
  HP_READ(out.duration_ms, type, r, "duration_ms", Count("duration_ms", int64_t{0}));
  return out;
}

// The spec decoders collect every violation: the agent reports all of them at once, and a
// field's canonical form must already be what the controller sends (one spelling of a name
// everywhere, since names become file names).
void CheckCanonical(FieldErrors& errors, const std::string& field, const std::string& value,
                    const Checked<std::string>& checked, const char* grammar) {
  if (!checked) {
    errors.Add(field, checked.error());
  } else if (*checked != value) {
    errors.Add(field, {std::string(grammar) + ".not_canonical",
                       "The value " + QuoteForMessage(value) + " is not in canonical form (" +
                           QuoteForMessage(*checked) + ")."});
  }
}

// Reads a string member of a spec, recording a shape violation under the member's name.
std::optional<std::string> SpecString(const ObjectReader& r, FieldErrors& errors, const char* key,
                                      std::optional<std::string> fallback = std::nullopt) {
  auto v = r.String(key, std::move(fallback));
  if (!v) {
    errors.Add(key, v.error());
    return std::nullopt;
  }
  return *v;
}

}  // namespace

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
  }
  return "failed";
}

// Reads a required string field of a spec and checks it is already in the canonical form of its
// grammar (the controller canonicalised it; anything else was not written by the controller).
template <typename Check>
std::string CanonicalField(ObjectReader& r, FieldErrors& errors, const char* field, Check check,
                           const char* grammar) {
  auto v = SpecString(r, errors, field);
  if (!v) return {};
  CheckCanonical(errors, field, *v, check(*v), grammar);
  return *v;
}

Json ToJson(const SiteSpec& s) {
  return Json{{"domain", s.domain},   {"aliases", s.aliases}, {"account", s.account},
              {"docroot", s.docroot}, {"status", s.status},   {"php", s.php},
              {"https", s.https}};
}

Result<SiteSpec> SiteSpecFromJson(const Json& j) {
  if (!j.is_object()) return Fail(Error::Invalid("SiteSpec: the spec must be a JSON object"));
  ObjectReader r(j, "");
  FieldErrors errors;
  SiteSpec s;
  s.domain = CanonicalField(r, errors, "domain", CheckDomain, "domain");
  auto aliases = r.Strings("aliases", std::vector<std::string>{});
  if (!aliases) {
    errors.Add("aliases", aliases.error());
  } else {
    std::set<std::string> seen = {s.domain};
    for (size_t i = 0; i < aliases->size(); ++i) {
      const std::string& alias = (*aliases)[i];
      std::string field = "aliases[" + std::to_string(i) + "]";
      auto checked = CheckDomain(alias);
      CheckCanonical(errors, field, alias, checked, "domain");
      if (checked && !seen.insert(alias).second) {
        errors.Add(field, {"domain.duplicate", "The name " + QuoteForMessage(alias) +
                                                   " is listed twice for this site."});
      }
    }
    s.aliases = *aliases;
    std::sort(s.aliases.begin(), s.aliases.end());
  }
  s.account = CanonicalField(r, errors, "account", CheckLoginGrammar, "login");
  s.docroot = CanonicalField(r, errors, "docroot", CheckRelativePath, "path");
  if (auto v = SpecString(r, errors, "status", std::string("active"))) {
    s.status = *v;
    if (s.status != "active" && s.status != "suspended") {
      errors.Add("status",
                 {"status.invalid", "The status must be \"active\" or \"suspended\", not " +
                                        QuoteForMessage(s.status) + "."});
    }
  }
  if (auto v = SpecString(r, errors, "php", std::string())) {
    s.php = *v;
    if (!s.php.empty() && !IsPhpVersion(s.php)) {
      errors.Add("php", {"php.invalid",
                         "The PHP version " + QuoteForMessage(s.php) + " is not of the form 8.2."});
    }
  }
  if (auto https = r.Bool("https", false); !https) {
    errors.Add("https", https.error());
  } else {
    s.https = *https;
  }
  if (!errors.empty()) return Fail(errors.ToError());
  return s;
}

Json ToJson(const SiteRemoval& s) {
  return Json{{"domain", s.domain},
              {"account", s.account},
              {"docroot", s.docroot},
              {"remove_content", s.remove_content}};
}

Result<SiteRemoval> SiteRemovalFromJson(const Json& j) {
  if (!j.is_object()) return Fail(Error::Invalid("SiteRemoval: the spec must be a JSON object"));
  ObjectReader r(j, "");
  FieldErrors errors;
  SiteRemoval s;
  s.domain = CanonicalField(r, errors, "domain", CheckDomain, "domain");
  s.account = CanonicalField(r, errors, "account", CheckLoginGrammar, "login");
  s.docroot = CanonicalField(r, errors, "docroot", CheckRelativePath, "path");
  auto remove = r.Bool("remove_content", false);
  if (!remove) {
    errors.Add("remove_content", remove.error());
  } else {
    s.remove_content = *remove;
  }
  if (!errors.empty()) return Fail(errors.ToError());
  return s;
}

Json ToJson(const Task& t) {
  return Json{{"id", t.id},     {"revision", t.revision}, {"object_key", t.object_key},
              {"kind", t.kind}, {"spec", t.spec},         {"attempts", t.attempts}};
}

Result<Task> TaskFromJson(const Json& j) { return TaskFromReader(j, "", "Task"); }

std::string Encode(const Key& k) { return Dump(Json{{"revision", k.revision}}); }

Result<Key> DecodeKey(const std::string& data) {
  auto j = ParseObject(data, "Key");
  if (!j) return Fail(std::move(j.error()));
  ObjectReader r(*j, "");
  Key k;
  HP_READ(k.revision, "Key", r, "revision", Count("revision", std::nullopt));
  return k;
}

std::string Encode(const FetchRequest& r) {
  return Dump(Json{{"node", r.node}, {"after", r.after}, {"limit", r.limit}});
}

Result<FetchRequest> DecodeFetchRequest(const std::string& data) {
  constexpr const char* type = "FetchRequest";
  auto j = ParseObject(data, type);
  if (!j) return Fail(std::move(j.error()));
  ObjectReader r(*j, "");
  FetchRequest out;
  HP_READ(out.node, type, r, "node", String("node", std::nullopt));
  HP_TRY(CheckNodeField(type, out.node));
  HP_READ(out.after, type, r, "after", Count("after", std::nullopt));
  int64_t limit = 0;
  HP_READ(limit, type, r, "limit",
          Count("limit", int64_t{FetchRequest{}.limit}, std::numeric_limits<int>::max()));
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
  ObjectReader r(*j, "");
  Bundle out;
  // A refusal may answer a request whose node name was itself unusable, so the node is only
  // required to be a string here.
  HP_READ(out.node, type, r, "node", String("node", std::nullopt));
  const Json* tasks = nullptr;
  HP_READ(tasks, type, r, "tasks", Array("tasks"));
  out.tasks.reserve(tasks->size());
  for (size_t i = 0; i < tasks->size(); ++i) {
    auto t = TaskFromReader((*tasks)[i], "tasks[" + std::to_string(i) + "]", type);
    if (!t) return Fail(std::move(t.error()));
    out.tasks.push_back(std::move(*t));
  }
  HP_READ(out.head, type, r, "head", Count("head", std::nullopt));
  HP_READ(out.more, type, r, "more", Bool("more", false));
  HP_READ(out.error, type, r, "error", String("error", std::string()));
  HP_READ(out.signer, type, r, "signer", String("signer", std::string()));
  HP_READ(out.sig, type, r, "sig", String("sig", std::string()));
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
  ObjectReader r(*j, "");
  Report out;
  HP_READ(out.node, type, r, "node", String("node", std::nullopt));
  HP_TRY(CheckNodeField(type, out.node));
  const Json* results = nullptr;
  HP_READ(results, type, r, "results", Array("results"));
  out.results.reserve(results->size());
  for (size_t i = 0; i < results->size(); ++i) {
    auto t = TaskResultFromJson((*results)[i], "results[" + std::to_string(i) + "]");
    if (!t) return Fail(std::move(t.error()));
    out.results.push_back(std::move(*t));
  }
  HP_READ(out.applied_revision, type, r, "applied_revision",
          Count("applied_revision", std::nullopt));
  HP_READ(out.drift, type, r, "drift", Strings("drift", std::vector<std::string>{}));
  int64_t reloads = 0;
  HP_READ(reloads, type, r, "reloads",
          Count("reloads", int64_t{0}, std::numeric_limits<int>::max()));
  out.reloads = static_cast<int>(reloads);
  return out;
}

std::string Encode(const Hello& h) {
  return Dump(Json{{"node", h.node},
                   {"version", h.version},
                   {"drivers", h.drivers},
                   {"applied_revision", h.applied_revision},
                   {"load", h.load}});
}

Result<Hello> DecodeHello(const std::string& data) {
  constexpr const char* type = "Hello";
  auto j = ParseObject(data, type);
  if (!j) return Fail(std::move(j.error()));
  ObjectReader r(*j, "");
  Hello out;
  HP_READ(out.node, type, r, "node", String("node", std::nullopt));
  HP_TRY(CheckNodeField(type, out.node));
  HP_READ(out.version, type, r, "version", String("version", std::nullopt));
  HP_READ(out.drivers, type, r, "drivers", Strings("drivers", std::vector<std::string>{}));
  HP_READ(out.applied_revision, type, r, "applied_revision",
          Count("applied_revision", std::nullopt));
  HP_READ(out.load, type, r, "load", NonNegativeNumber("load", 0.0));
  return out;
}

std::string Encode(const Ack& a) { return Dump(Json{{"ok", a.ok}, {"error", a.error}}); }

Result<Ack> DecodeAck(const std::string& data) {
  constexpr const char* type = "Ack";
  auto j = ParseObject(data, type);
  if (!j) return Fail(std::move(j.error()));
  ObjectReader r(*j, "");
  Ack out;
  HP_READ(out.ok, type, r, "ok", Bool("ok", std::nullopt));
  HP_READ(out.error, type, r, "error", String("error", std::string()));
  return out;
}

#undef HP_READ

}  // namespace hostplane::protocol
