#pragma once

// The messages exchanged by controller and agents over the Bus (shared/DESIGN.md "Messages"), and
// the typed task specs they carry. JSON via nlohmann::json; every From* parser validates shape and
// types and returns kInvalid on anything unexpected (the bus is an attack surface, SECURITY rule
// 9).
//
//   hp.node.<node>.key     controller -> agent   Key          (a doorbell, may be lost)
//   hp.ctl.tasks.<node>    agent -> controller   FetchRequest -> Bundle    (request/reply)
//   hp.ctl.report.<node>   agent -> controller   Report       -> ReportAck (request/reply)
//   hp.ctl.hello.<node>    agent -> controller   Hello        -> HelloAck  (request/reply)
//
// The controllers answer the hp.ctl.* requests in the queue group kQueueGroup, subscribed with
// the NATS token wildcard ("hp.ctl.tasks.*"). Each request subject names the node that sends it,
// so the relay can let node X publish only its own (docs/relay.md), and the controller refuses a
// body whose "node" is not the subject's.
//
// Decoding: a body that is not a JSON object is kInvalid naming the byte of the syntax error
// (never echoing it). A member that is present must have its type (null is a wrong type).
// Members nobody reads are ignored in the messages agents send (a newer agent may add some, and
// agents are upgraded first); a bundle of this build's schema (kBundleSchema) refuses them, in
// its envelope, its tasks and their specs (field.unknown). Every other refusal is kInvalid
// with fields {path: code}, the path as in "tasks[2].revision" and the code one of
// field.missing, field.type, field.range (negative counts and revisions), field.value,
// field.unknown, or a validate.h code (node.invalid for node names). Members marked "optional"
// below may be absent and take the default shown; all others are required.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/signing_key.h"
#include "protocol/submission_endpoint.h"

namespace hostplane::protocol {

using Json = nlohmann::json;

// The request subjects without their node token: the request for node X is "<base>.X".
inline constexpr const char* kSubjectTasks = "hp.ctl.tasks";
inline constexpr const char* kSubjectReport = "hp.ctl.report";
inline constexpr const char* kSubjectHello = "hp.ctl.hello";
inline constexpr const char* kQueueGroup = "hp.controllers";
std::string KeySubject(const std::string& node);     // "hp.node.<node>.key"
std::string TasksSubject(const std::string& node);   // "hp.ctl.tasks.<node>"
std::string ReportSubject(const std::string& node);  // "hp.ctl.report.<node>"
std::string HelloSubject(const std::string& node);   // "hp.ctl.hello.<node>"
// "<base>.*": every node's requests of one kind, for the controllers' subscription.
std::string AnyNodeSubject(const std::string& base);
// The node a request subject "<base>.<node>" names, or nullopt when subject is not base followed
// by exactly one more non-empty token.
std::optional<std::string> RequestSubjectNode(const std::string& base, const std::string& subject);

// The schema of bundles and the task specs in them that this build writes, and the newest it
// reads (docs/upgrading.md). The controller stamps every bundle with it. An agent refuses a bundle
// of a newer schema (its tasks are reported "retry", nothing is applied, its journal stays) and,
// in a bundle of its own schema, every member it does not know. Raise it when a member is added
// to a bundle, a task or any spec; agents are upgraded before controllers.
inline constexpr int64_t kBundleSchema = 2;
// What a bundle without a "schema" member is: one from a controller older than schema versions.
// Read as before (unknown members ignored), so agents can be upgraded first.
inline constexpr int64_t kLegacyBundleSchema = 1;

// What a spec decoder does with a member it does not read: ignore it (a spec stored by an older
// build, a legacy bundle) or refuse it as field.unknown under its path (a bundle of kBundleSchema).
enum class UnknownMembers { kIgnore, kRefuse };

// Task kinds. A task is level-triggered: it carries the full desired spec of one object.
inline constexpr const char* kSiteEnsure = "site.ensure";
inline constexpr const char* kSiteRemove = "site.remove";

// Desired state of one website on a web node (kind site.ensure). SiteSpecFromJson runs every
// field through validate.h again (SECURITY rule 3) and also refuses values that are valid but not
// canonical ("<grammar>.not_canonical"), an alias listed twice or equal to the domain
// ("domain.duplicate"), a status other than active|suspended ("status.invalid") and a php that
// is neither "" nor a version ^[0-9]\.[0-9]{1,2}$ ("php.invalid"); it reports every violation at
// once, as FieldErrors does. aliases (optional) come back sorted. The account is checked with
// CheckLoginGrammar: on a web node the account's own Unix user exists by design.
struct SiteSpec {
  std::string domain;                // canonical A-label form
  std::vector<std::string> aliases;  // canonical, sorted
  std::string account;               // the customer's login: the home is <home_root>/<account>
  std::string docroot;               // relative to the account home, validated path
  std::string status = "active";     // active | suspended (optional)
  std::string php = "";              // "" = static only, else the PHP version "8.2" (optional)
  bool https = false;                // also serve on the https port (optional)
  bool operator==(const SiteSpec&) const = default;
};
Json ToJson(const SiteSpec& s);
[[nodiscard]] Result<SiteSpec> SiteSpecFromJson(const Json& j,
                                                UnknownMembers unknown = UnknownMembers::kIgnore);

// kind site.remove. Validated like SiteSpec.
struct SiteRemoval {
  std::string domain;
  std::string account;
  std::string docroot;
  bool remove_content = false;  // delete the docroot too (only when asked; optional)
  bool operator==(const SiteRemoval&) const = default;
};
Json ToJson(const SiteRemoval& s);
[[nodiscard]] Result<SiteRemoval> SiteRemovalFromJson(
    const Json& j, UnknownMembers unknown = UnknownMembers::kIgnore);

// One task as it travels in a bundle. TaskFromJson (a task the agent's journal kept) ignores
// unknown members; DecodeBundle refuses them in a bundle of kBundleSchema.
struct Task {
  int64_t id = 0;
  int64_t revision = 0;    // per-node, monotonic
  std::string object_key;  // "site:shop.acme.example"
  std::string kind;        // kSiteEnsure, kSiteRemove, ...
  Json spec;               // the full desired spec, parsed by the driver for its kind
  int attempts = 0;        // optional
};
Json ToJson(const Task& t);
[[nodiscard]] Result<Task> TaskFromJson(const Json& j);

struct Key {
  int64_t revision = 0;  // the node's newest task revision
};
std::string Encode(const Key& k);
[[nodiscard]] Result<Key> DecodeKey(const std::string& data);

struct FetchRequest {
  std::string node;
  int64_t after = 0;  // the agent's last applied revision; 0 = everything (a rebuild)
  int limit = 5000;   // at most this many tasks in one bundle (optional, >= 1)
};
std::string Encode(const FetchRequest& r);
[[nodiscard]] Result<FetchRequest> DecodeFetchRequest(const std::string& data);

// The newest task of each object with a revision after `after` (plus tasks due for a retry),
// ordered by revision. `more` says the limit cut the list: fetch again after the last revision.
//
// Every bundle the controller sends, refusals included, is signed with its Ed25519 key
// (SECURITY rule 9): `sig` signs BundleSignedBytes, which covers every other member. The agent
// applies a bundle only when VerifyBundle accepts it against the key it pinned.
//
// `schema` is absent in a legacy bundle (decoded as kLegacyBundleSchema, and then left out of the
// signed bytes, as the legacy controller signed them). DecodeBundle reads a bundle of any schema
// >= 1, so the agent can verify a newer one and say why it refuses it; in a bundle of
// kBundleSchema every member it does not know, at the top or in a task, is field.unknown.
struct Bundle {
  int64_t schema = kBundleSchema;  // optional in the decoder: absent = kLegacyBundleSchema
  std::string node;
  std::vector<Task> tasks;
  int64_t head = 0;   // the node's newest revision when the bundle was made
  bool more = false;  // optional
  std::string error;  // set when the controller refused the request (unknown node, ...); optional
  // The signing key ("ed25519:<base64>"), so a refusal can say which key signed; the agent never
  // verifies against it. Optional; covered by the signature.
  std::string signer;
  // Base64 Ed25519 signature of BundleSignedBytes(*this). Optional in the decoder, so an unsigned
  // bundle decodes and is then refused by VerifyBundle with a clear message.
  std::string sig;
};
std::string Encode(const Bundle& b);
[[nodiscard]] Result<Bundle> DecodeBundle(const std::string& data);

// The bytes a bundle's signature covers, the one definition both sides use: the line
// "hostplane bundle v1" and, after it, the JSON of every member but `sig` (nlohmann::json, so
// object keys sorted at every level; no spaces; invalid UTF-8 replaced as Encode does). The
// agent computes them from the bundle it decoded, so what it verifies is exactly what it applies:
// members the decoder drops are not signed and not used.
std::string BundleSignedBytes(const Bundle& b);

// Sets b.signer and b.sig (the last change before Encode).
void SignBundle(Bundle& b, const SigningKey& key);

// Ok when b.sig is key's signature of BundleSignedBytes(b). Errors: kForbidden, the message
// saying whether the bundle is unsigned, signed by another key, or changed after it was signed
// (anything quoted from the bundle is escaped).
[[nodiscard]] Status VerifyBundle(const Bundle& b, const PublicKey& key);

// kRunning: the task's work goes on in the background on the agent (a content copy); another
// report ends it with one of the other outcomes. Not an attempt, and not final.
enum class TaskOutcome { kApplied, kFailed, kRetry, kRunning };
const char* OutcomeName(TaskOutcome o);  // "applied" | "failed" | "retry" | "running"

struct TaskResult {
  int64_t task = 0;
  int64_t revision = 0;
  TaskOutcome outcome = TaskOutcome::kApplied;
  std::string detail;       // the daemon's own message on failure (optional)
  int64_t duration_ms = 0;  // optional
  // When the task's spec failed a grammar: field path in the spec -> code ("domain" ->
  // "domain.invalid_character"), as the API answers them. Optional: empty = none.
  std::map<std::string, std::string> fields;
};

// Results of one batch. Drift: files the agent manages that changed behind its back.
struct Report {
  std::string node;
  std::vector<TaskResult> results;
  int64_t applied_revision = 0;    // the agent's journal after this batch
  std::vector<std::string> drift;  // root-relative paths of drifted files (empty: none; optional)
  int reloads = 0;                 // daemon reloads this batch caused (for /metrics; optional)
};
std::string Encode(const Report& r);
[[nodiscard]] Result<Report> DecodeReport(const std::string& data);

struct Hello {
  std::string node;
  std::string version;
  std::vector<std::string> drivers;  // optional
  int64_t applied_revision = 0;
  double load = 0;  // optional, finite and >= 0
  // The node's sealed-box key ("x25519:<base64>", common/sealed_box.h): what the controller
  // seals the node's secrets to (DKIM keys, submission passwords). Optional: "" = none announced.
  std::string box_key;
  // A mail node's submission listener (mail_submission_spec.h), where the accounts whose mail it
  // serves submit PHP's mail(). Optional: nullopt = none (no mail driver, or submission off).
  std::optional<SubmissionEndpoint> mail_submission;
};
std::string Encode(const Hello& h);
[[nodiscard]] Result<Hello> DecodeHello(const std::string& data);

// Replies to Report and Hello: {"ok": true} or {"ok": false, "error": "..."} (error optional).
struct Ack {
  bool ok = true;
  std::string error;
};
std::string Encode(const Ack& a);
[[nodiscard]] Result<Ack> DecodeAck(const std::string& data);

// For the decoders of messages defined in other files (content.h): the body as a JSON object
// (kInvalid naming the byte of a syntax error, never echoing it), the encoder's dump (invalid
// UTF-8 replaced), a node member checked with CheckNodeName, and the reader's first violation as
// kInvalid prefixed with the message type.
class FieldErrors;  // validate.h
[[nodiscard]] Result<Json> ParseMessageObject(const std::string& data, const char* type);
std::string DumpMessage(const Json& j);
[[nodiscard]] Status CheckMessageNode(const char* type, const std::string& node);
Error MessageFieldsError(const char* type, const FieldErrors& errors);

}  // namespace hostplane::protocol
