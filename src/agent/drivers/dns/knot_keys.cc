#include "agent/drivers/dns/knot_keys.h"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "agent/drivers/dns/knot_user.h"
#include "common/crypto.h"
#include "common/text/text.h"

namespace hostplane::agent {
namespace {

using Json = nlohmann::json;

std::string Hex(const unsigned char* p, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += fmt::format("{:02x}", p[i]);
  return out;
}

bool IsBase64Secret(const std::string& s) {
  if (s.empty() || s.size() > 200 || sodium_init() < 0) return false;
  unsigned char bin[160];
  size_t len = 0;
  const char* end = nullptr;
  return sodium_base642bin(bin, sizeof bin, s.data(), s.size(), nullptr, &len, &end,
                           sodium_base64_VARIANT_ORIGINAL) == 0 &&
         end == s.data() + s.size() && len >= 16 && len <= 128;
}

std::vector<std::string> TimerArgs(const protocol::DnssecKey& k) {
  return {fmt::format("publish={}", k.publish), fmt::format("ready={}", k.ready),
          fmt::format("active={}", k.active), fmt::format("retire={}", k.retire),
          fmt::format("remove={}", k.remove)};
}

}  // namespace

ZoneKey::~ZoneKey() {
  if (!pem.empty()) sodium_memzero(pem.data(), pem.size());
}

Result<std::string> KnotKeyId(const std::string& pem, const std::string& algorithm) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), (int)pem.size()),
                                                BIO_free);
  if (!bio) return Fail(Error::Internal("BIO_new_mem_buf failed"));
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  if (!key) return Fail(Error::Invalid("a DNSSEC key is not a private key in PEM"));
  bool ok = false;
  if (algorithm == "ed25519") {
    ok = EVP_PKEY_get_id(key.get()) == EVP_PKEY_ED25519;
  } else if (algorithm == "ecdsap256sha256") {
    char group[64] = {0};
    size_t len = 0;
    ok = EVP_PKEY_get_id(key.get()) == EVP_PKEY_EC &&
         EVP_PKEY_get_utf8_string_param(key.get(), "group", group, sizeof group, &len) == 1 &&
         std::string(group) == "prime256v1";
  }
  if (!ok) return Fail(Error::Invalid("a DNSSEC key is not an " + algorithm + " key"));
  unsigned char* der = nullptr;
  int der_len = i2d_PUBKEY(key.get(), &der);
  if (der_len <= 0) return Fail(Error::Internal("i2d_PUBKEY failed"));
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(der, static_cast<size_t>(der_len), digest);
  OPENSSL_free(der);
  return Hex(digest, sizeof digest);
}

Result<std::vector<ZoneKey>> OpenZoneKeys(const protocol::DnssecSpec& dnssec, const BoxKey* box) {
  std::vector<ZoneKey> out;
  if (dnssec.keys.empty()) return out;
  if (box == nullptr) {
    return Fail(Error::Invalid("this node has no box key to open the zone's DNSSEC keys with"));
  }
  for (size_t i = 0; i < dnssec.keys.size(); ++i) {
    ZoneKey k;
    auto pem = box->Open(dnssec.keys[i].private_key);
    if (!pem) {
      return Fail(Error::Invalid(fmt::format("dnssec.keys[{}]: {}", i, pem.error().message)));
    }
    k.pem = std::move(*pem);
    auto id = KnotKeyId(k.pem, dnssec.algorithm);
    if (!id) return Fail(Error::Invalid(fmt::format("dnssec.keys[{}]: {}", i, id.error().message)));
    k.id = *id;
    k.timers = dnssec.keys[i];
    k.timers.private_key.clear();
    out.push_back(std::move(k));
  }
  return out;
}

std::string KeysDigest(const std::vector<ZoneKey>& keys) {
  std::string text;
  for (const auto& k : keys) {
    text += fmt::format("{} {} {} {} {} {} {}\n", k.id, protocol::DnssecKeyRoleName(k.timers.role),
                        k.timers.publish, k.timers.ready, k.timers.active, k.timers.retire,
                        k.timers.remove);
  }
  return Blake2bHex(text).substr(0, 16);
}

Result<std::vector<TsigSecret>> OpenTsigKeys(const protocol::ZoneServers& servers,
                                             const BoxKey* box) {
  std::vector<TsigSecret> out;
  if (servers.tsig_keys.empty()) return out;
  if (box == nullptr) {
    return Fail(Error::Invalid("this node has no box key to open the zone's TSIG keys with"));
  }
  for (size_t i = 0; i < servers.tsig_keys.size(); ++i) {
    const auto& k = servers.tsig_keys[i];
    auto secret = box->Open(k.secret);
    if (!secret) {
      return Fail(Error::Invalid(fmt::format("tsig_keys[{}]: {}", i, secret.error().message)));
    }
    if (!IsBase64Secret(*secret)) {
      sodium_memzero(secret->data(), secret->size());
      return Fail(Error::Invalid(
          fmt::format("tsig_keys[{}]: the secret is not base64 of 16 to 128 bytes", i)));
    }
    out.push_back({k.name, k.algorithm, std::move(*secret)});
  }
  return out;
}

std::string RenderTsigSource(const std::vector<TsigSecret>& keys) {
  Json list = Json::array();
  for (const auto& k : keys) {
    list.push_back({{"name", k.name}, {"algorithm", k.algorithm}, {"secret", k.secret}});
  }
  return list.dump() + "\n";
}

std::string RenderTsigConf(const std::map<std::string, std::string>& sources,
                           std::vector<std::string>* conflicts) {
  std::map<std::string, std::optional<TsigSecret>> keys;  // nullopt: conflicting
  for (const auto& [zone, content] : sources) {
    Json list = Json::parse(content, nullptr, /*allow_exceptions=*/false);
    if (!list.is_array()) continue;
    for (const auto& item : list) {
      if (!item.is_object() || !item.contains("name") || !item["name"].is_string()) continue;
      TsigSecret k{item.value("name", ""), item.value("algorithm", ""), item.value("secret", "")};
      // Only what the decoders allowed reaches a source; check again before Knot's config.
      if (!protocol::CheckTsigKeyName(k.name) || !IsBase64Secret(k.secret) ||
          (k.algorithm != "hmac-sha256" && k.algorithm != "hmac-sha384" &&
           k.algorithm != "hmac-sha512")) {
        continue;
      }
      auto [it, inserted] = keys.emplace(k.name, k);
      if (!inserted && it->second && *it->second != k) {
        it->second.reset();
        if (conflicts != nullptr) conflicts->push_back(k.name);
      }
    }
  }
  std::string out =
      "# managed by hostplane: the TSIG keys of every zone on this node; edits are "
      "overwritten\n";
  bool any = false;
  for (const auto& [name, key] : keys) {
    if (!key) continue;
    if (!any) out += "key:\n";
    any = true;
    out += fmt::format("  - id: {}\n    algorithm: {}\n    secret: \"{}\"\n", key->name,
                       key->algorithm, key->secret);
  }
  return out;
}

KnotKeyring::KnotKeyring(DnsLayout layout, Filesystem& fs, CommandRunner& runner)
    : layout_(std::move(layout)), fs_(fs), runner_(runner) {}

Result<CommandOutput> KnotKeyring::Keymgr(const std::string& zone,
                                          const std::vector<std::string>& args) {
  Command cmd;
  cmd.argv = {layout_.keymgr, "-c", fs_.HostPath(layout_.conf)};
  if (!args.empty() && args[0] == "-j") cmd.argv.push_back("-j");
  cmd.argv.push_back(zone + ".");
  cmd.argv.insert(cmd.argv.end(), args.begin() + (!args.empty() && args[0] == "-j"), args.end());
  cmd.timeout = std::chrono::milliseconds(30'000);
  RunAsDaemon(cmd, daemon_);
  auto out = runner_.Run(cmd);
  if (!out) return Fail(out.error());
  if (!out->ok()) {
    return Fail(Error::Validation("keymgr " + zone + ": " + OneLine(out->err + out->out)));
  }
  return out;
}

Result<std::vector<KnotKeyring::KaspKey>> KnotKeyring::List(const std::string& zone) {
  auto out = Keymgr(zone, {"-j", "list"});
  if (!out) return Fail(out.error());
  // keymgr prints nothing at all for a zone without keys.
  if (out->out.find_first_not_of(" \t\r\n") == std::string::npos) return std::vector<KaspKey>{};
  Json list = Json::parse(out->out, nullptr, /*allow_exceptions=*/false);
  if (!list.is_array()) {
    return Fail(Error::Internal("keymgr list " + zone + ": not a JSON array"));
  }
  std::vector<KaspKey> keys;
  for (const auto& k : list) {
    if (!k.is_object()) continue;
    KaspKey key;
    key.id = k.value("id", "");
    key.ksk = k.value("ksk", false);
    key.publish = k.value("publish", int64_t{0});
    key.ready = k.value("ready", int64_t{0});
    key.active = k.value("active", int64_t{0});
    key.retire = k.value("retire", int64_t{0});
    key.remove = k.value("remove", int64_t{0});
    keys.push_back(std::move(key));
  }
  return keys;
}

Result<bool> KnotKeyring::Reconcile(const std::string& zone, const std::vector<ZoneKey>& keys,
                                    const std::string& algorithm) {
  auto present = List(zone);
  if (!present) return Fail(present.error());
  bool changed = false;
  for (const auto& k : keys) {
    auto it = std::find_if(present->begin(), present->end(),
                           [&](const KaspKey& p) { return p.id == k.id; });
    const auto& t = k.timers;
    if (it != present->end()) {
      if (it->publish == t.publish && it->ready == t.ready && it->active == t.active &&
          it->retire == t.retire && it->remove == t.remove) {
        continue;
      }
      std::vector<std::string> args = {"set", k.id};
      for (auto& a : TimerArgs(t)) args.push_back(std::move(a));
      auto out = Keymgr(zone, args);
      if (!out) return Fail(out.error());
      changed = true;
      continue;
    }
    // keymgr reads the key from a file only: a secret file of knot_user.h's rule (0640
    // root:<knotd's group> in a 02750 directory), removed at once.
    HP_TRY(MakeSecretDir(fs_, layout_.key_import_dir, daemon_));
    const std::string rel = layout_.key_import_dir + "/" + k.id + ".pem";
    HP_TRY(fs_.WriteFileAtomic(rel, k.pem, SecretFileMode(daemon_)));
    std::vector<std::string> args = {"import-pem", fs_.HostPath(rel),
                                     t.role == protocol::DnssecKeyRole::kKsk ? "ksk=yes" : "ksk=no",
                                     "algorithm=" + algorithm,
                                     fmt::format("created={}", t.publish)};
    for (auto& a : TimerArgs(t)) args.push_back(std::move(a));
    auto out = Keymgr(zone, args);
    auto removed = fs_.RemoveFile(rel);
    if (!out) return Fail(out.error());
    if (!removed) return Fail(removed.error());
    changed = true;
  }
  return changed;
}

Result<bool> KnotKeyring::DeleteOthers(const std::string& zone, const std::set<std::string>& keep) {
  auto present = List(zone);
  if (!present) return Fail(present.error());
  bool changed = false;
  for (const auto& p : *present) {
    if (keep.count(p.id) != 0) continue;
    auto out = Keymgr(zone, {"delete", p.id});
    if (!out) return Fail(out.error());
    changed = true;
  }
  return changed;
}

}  // namespace hostplane::agent
