#include "common/signing_key.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace hostplane {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

SigningKey NewKey() {
  auto key = SigningKey::Generate();
  EXPECT_TRUE(key) << key.error().message;
  return *key;
}

// The same value with non-zero bits in the unused low bits of the last base64 digit before the
// padding: decodes to the same bytes but is not the canonical spelling.
std::string NonCanonical(std::string b64) {
  size_t last = b64.find('=') - 1;
  b64[last] = kAlphabet[kAlphabet.find(b64[last]) | 1];
  return b64;
}

TEST(SigningKeyTest, SignatureVerifiesOnlyForTheSameMessageAndKey) {
  SigningKey key = NewKey();
  SigningKey other = NewKey();
  const std::string message = R"({"node":"web1","tasks":[]})";
  const std::string sig = key.Sign(message);
  EXPECT_EQ(sig.size(), 88u);
  EXPECT_TRUE(key.public_key().Verify(message, sig));
  EXPECT_EQ(key.Sign(message), sig);  // Ed25519 is deterministic

  std::string flipped_sig = sig;
  flipped_sig[10] = flipped_sig[10] == 'A' ? 'B' : 'A';
  struct Case {
    const char* name;
    PublicKey key;
    std::string message;
    std::string sig;
  };
  const Case cases[] = {
      {"wrong key", other.public_key(), message, sig},
      {"other key's signature", key.public_key(), message, other.Sign(message)},
      {"message with a changed byte", key.public_key(), R"({"node":"web2","tasks":[]})", sig},
      {"message with a byte added", key.public_key(), message + " ", sig},
      {"truncated message", key.public_key(), message.substr(0, message.size() - 1), sig},
      {"empty message", key.public_key(), "", sig},
      {"signature with a changed byte", key.public_key(), message, flipped_sig},
      {"empty signature", key.public_key(), message, ""},
      {"truncated signature", key.public_key(), message, sig.substr(0, 80)},
      {"signature without padding", key.public_key(), message, sig.substr(0, 86)},
      {"signature with a newline", key.public_key(), message, sig + "\n"},
      {"non-canonical signature", key.public_key(), message, NonCanonical(sig)},
      {"signature in hex", key.public_key(), message, std::string(128, 'a')},
  };
  for (const auto& c : cases) {
    EXPECT_FALSE(c.key.Verify(c.message, c.sig)) << c.name;
  }
}

TEST(SigningKeyTest, PublicKeyTextRoundTrips) {
  SigningKey key = NewKey();
  std::string text = key.public_key().ToString();
  EXPECT_EQ(text.rfind("ed25519:", 0), 0u);
  EXPECT_EQ(text.size(), 8u + 44u);
  auto parsed = PublicKey::Parse(text);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(*parsed, key.public_key());
  EXPECT_TRUE(parsed->Verify("x", key.Sign("x")));
  EXPECT_FALSE(*parsed == NewKey().public_key());
}

TEST(SigningKeyTest, PublicKeyParseRefusesBadEncodings) {
  const std::string good = NewKey().public_key().ToString();
  const std::string b64 = good.substr(8);
  const std::string bad[] = {
      "",
      "ed25519:",
      b64,                                       // no prefix
      "ED25519:" + b64,                          // prefix is case-sensitive
      "ssh-ed25519 " + b64,                      // another format
      "ed25519: " + b64,                         // a space
      good + "\n",                               // trailing newline
      good + "=",                                // extra padding
      "ed25519:" + b64.substr(0, 43),            // padding missing
      "ed25519:" + std::string(40, 'A') + "==",  // 31 bytes
      "ed25519:" + std::string(48, 'A'),         // 36 bytes
      "ed25519:" + b64.substr(0, 42) + "!=",     // not base64
      "ed25519:" + std::string(43, '_') + "=",   // the URL-safe alphabet
      "ed25519:" + NonCanonical(b64),            // non-zero trailing bits
      std::string("ed25519:\0", 9) + b64,
  };
  for (const auto& text : bad) {
    auto parsed = PublicKey::Parse(text);
    EXPECT_FALSE(parsed) << "accepted: " << text;
    if (!parsed) {
      EXPECT_EQ(parsed.error().code, ErrorCode::kInvalid);
      if (text.size() > 12) {
        EXPECT_EQ(parsed.error().message.find(text), std::string::npos);
      }
    }
  }
}

TEST(SigningKeyTest, SecretFileContentRoundTrips) {
  SigningKey key = NewKey();
  std::string content = key.SecretFileContent();
  EXPECT_EQ(content.rfind("ed25519-secret:", 0), 0u);
  EXPECT_EQ(content.back(), '\n');
  auto back = SigningKey::FromSecretFileContent(content);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->public_key(), key.public_key());
  EXPECT_TRUE(key.public_key().Verify("m", back->Sign("m")));

  const std::string b64 = content.substr(15, 44);
  const std::string bad[] = {
      "",
      "\n",
      b64 + "\n",
      "ed25519-secret:\n",
      "ed25519-secret:" + b64 + "\n\n",
      "ed25519-secret:" + b64 + " \n",
      "ed25519-secret:" + NonCanonical(b64) + "\n",
      "ed25519-secret:" + b64.substr(0, 40) + "\n",
      key.public_key().ToString() + "\n",  // the public key is not a key file
  };
  for (const auto& c : bad) {
    auto parsed = SigningKey::FromSecretFileContent(c);
    EXPECT_FALSE(parsed) << "accepted: " << c;
    if (!parsed) {
      EXPECT_EQ(parsed.error().code, ErrorCode::kInvalid);
      EXPECT_EQ(parsed.error().message.find(b64), std::string::npos);
    }
  }
}

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/hp-signing-key-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/controller.key";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Write(const std::string& content, mode_t mode) {
    std::ofstream(path_) << content;
    ASSERT_EQ(::chmod(path_.c_str(), mode), 0);
  }
  std::vector<std::string> Entries() {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir_)) {
      out.push_back(e.path().filename());
    }
    return out;
  }

  std::string dir_;
  std::string path_;
};

TEST_F(KeyFileTest, CreatesAPrivateFileOnceThenLoadsIt) {
  auto created = LoadOrCreateSigningKey(path_);
  ASSERT_TRUE(created) << created.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(Entries(), std::vector<std::string>{"controller.key"});  // no temporary debris

  auto loaded = LoadOrCreateSigningKey(path_);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->public_key(), created->public_key());
  EXPECT_TRUE(created->public_key().Verify("m", loaded->Sign("m")));
}

TEST_F(KeyFileTest, LoadsAnExistingKeyFile) {
  SigningKey key = NewKey();
  Write(key.SecretFileContent(), 0600);
  auto loaded = LoadOrCreateSigningKey(path_);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->public_key(), key.public_key());
  Write(key.SecretFileContent(), 0400);
  EXPECT_TRUE(LoadOrCreateSigningKey(path_));
}

TEST_F(KeyFileTest, RefusesUnsafeOrBrokenFilesAndNeverReplacesThem) {
  SigningKey key = NewKey();
  struct Case {
    const char* name;
    std::string content;
    mode_t mode;
    ErrorCode code;
  };
  const Case cases[] = {
      {"readable by others", key.SecretFileContent(), 0644, ErrorCode::kInvalid},
      {"readable by the group", key.SecretFileContent(), 0640, ErrorCode::kInvalid},
      {"writable by others", key.SecretFileContent(), 0602, ErrorCode::kInvalid},
      {"empty", "", 0600, ErrorCode::kInvalid},
      {"truncated", key.SecretFileContent().substr(0, 30), 0600, ErrorCode::kInvalid},
      {"garbage", std::string(10000, 'x'), 0600, ErrorCode::kInvalid},
  };
  for (const auto& c : cases) {
    Write(c.content, c.mode);
    auto loaded = LoadOrCreateSigningKey(path_);
    ASSERT_FALSE(loaded) << c.name;
    EXPECT_EQ(loaded.error().code, c.code) << c.name << ": " << loaded.error().message;
    EXPECT_EQ(loaded.error().message.find(key.SecretFileContent().substr(15, 20)),
              std::string::npos)
        << c.name;
    std::ifstream in(path_);
    std::stringstream kept;
    kept << in.rdbuf();
    EXPECT_EQ(kept.str(), c.content) << c.name;
  }
}

TEST_F(KeyFileTest, RefusesASymlinkAndAMissingDirectory) {
  SigningKey key = NewKey();
  std::string target = dir_ + "/elsewhere.key";
  std::ofstream(target) << key.SecretFileContent();
  ASSERT_EQ(::chmod(target.c_str(), 0600), 0);
  ASSERT_EQ(::symlink(target.c_str(), path_.c_str()), 0);
  auto linked = LoadOrCreateSigningKey(path_);
  ASSERT_FALSE(linked);
  EXPECT_EQ(linked.error().code, ErrorCode::kIo);

  auto missing = LoadOrCreateSigningKey(dir_ + "/no/such/dir/controller.key");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kIo);
}

}  // namespace
}  // namespace hostplane
