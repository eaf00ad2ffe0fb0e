#include "cmd/join.h"

#include <nlohmann/json.hpp>

#include "cli/api_client.h"
#include "common/crypto.h"
#include "common/signing_key.h"
#include "protocol/validate.h"

namespace hostplane::cmd {
namespace {

using nlohmann::json;

constexpr const char* kPrefix = "hpjoin.";
constexpr const char* kFile = "enrolment.json";

// The fingerprint part of "hpjoin.<secret>.<fingerprint>", or "" when token is not one.
std::string FingerprintOf(const std::string& token) {
  if (token.rfind(kPrefix, 0) != 0) return {};
  const auto dot = token.rfind('.');
  if (dot <= std::string(kPrefix).size()) return {};
  std::string fp = token.substr(dot + 1);
  if (fp.size() != 32 || fp.find_first_not_of("0123456789abcdef") != std::string::npos) return {};
  return fp;
}

Result<Enrolment> FromJson(const json& j, const std::string& what) {
  auto bad = [&](const std::string& field) {
    return Fail(Error::Invalid(what + ": \"" + field + "\" is missing or malformed"));
  };
  Enrolment e;
  if (!j.is_object()) return bad("(the object)");
  if (!j.contains("node") || !j["node"].is_string()) return bad("node");
  e.node = j["node"].get<std::string>();
  if (!protocol::CheckNodeName(e.node)) return bad("node");
  if (!j.contains("controller_key") || !j["controller_key"].is_string())
    return bad("controller_key");
  e.controller_key = j["controller_key"].get<std::string>();
  if (!PublicKey::Parse(e.controller_key)) return bad("controller_key");
  const json nats = j.value("nats", json::object());
  if (!nats.is_object()) return bad("nats");
  for (const auto& s : nats.value("servers", json::array())) {
    if (!s.is_string()) return bad("nats.servers");
    e.nats_servers.push_back(s.get<std::string>());
  }
  if (!nats.contains("user") || !nats["user"].is_string()) return bad("nats.user");
  if (!nats.contains("password") || !nats["password"].is_string()) return bad("nats.password");
  e.nats_user = nats["user"].get<std::string>();
  e.nats_password = nats["password"].get<std::string>();
  if (e.nats_password.empty()) return bad("nats.password");
  return e;
}

json ToJson(const Enrolment& e) {
  return {{"node", e.node},
          {"controller_key", e.controller_key},
          {"nats",
           {{"servers", e.nats_servers}, {"user", e.nats_user}, {"password", e.nats_password}}}};
}

}  // namespace

Result<Enrolment> JoinController(const std::string& controller_url, const std::string& token) {
  const std::string fingerprint = FingerprintOf(token);
  if (fingerprint.empty()) {
    return Fail(
        Error::Invalid("--join: not a join token (they look like hpjoin.<secret>.<hex>; "
                       "`hostplane node add` or `node token` prints one)"));
  }
  cli::ApiClient client(controller_url, "");
  auto r = client.Post("/api/v1/join", json{{"token", token}});
  if (!r) return Fail(r.error().Wrap("joining " + controller_url));
  if (!r->ok()) {
    std::string message =
        "the controller refused the join (HTTP " + std::to_string(r->status) + ")";
    if (r->body.is_object() && r->body.contains("error")) {
      message += ": " + r->body["error"].value("message", std::string());
    }
    return Fail(r->status == 401 ? Error::Unauthorized(message) : Error::Invalid(message));
  }
  auto e = FromJson(r->body, "the controller's join answer");
  if (!e) return Fail(e.error());
  if (KeyFingerprint(e->controller_key) != fingerprint) {
    return Fail(Error::Forbidden("the controller at " + controller_url +
                                 " answered with a bundle key that is not the one this token was "
                                 "issued for; nothing was saved (is the URL right?)"));
  }
  return e;
}

Status SaveEnrolment(Filesystem& files, const std::string& state_dir, const Enrolment& e) {
  HP_TRY(files.MakeDirs(state_dir, 0700));
  return files.WriteFileAtomic(state_dir + "/" + kFile, ToJson(e).dump(2) + "\n", 0600);
}

Result<std::optional<Enrolment>> LoadEnrolment(Filesystem& files, const std::string& state_dir) {
  const std::string path = state_dir + "/" + kFile;
  HP_ASSIGN_OR_RETURN(auto text, files.ReadFile(path));
  if (!text) return std::optional<Enrolment>();
  json j = json::parse(*text, nullptr, false);
  HP_ASSIGN_OR_RETURN(auto e, FromJson(j, path));
  return std::optional<Enrolment>(std::move(e));
}

}  // namespace hostplane::cmd
