#include "common/sealed_box.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "common/crypto.h"

namespace hostplane {
namespace {

BoxKey NewKey() {
  auto key = BoxKey::Generate();
  EXPECT_TRUE(key) << key.error().message;
  return *key;
}

TEST(SealedBoxTest, OnlyTheNodeTheSecretWasSealedToOpensIt) {
  BoxKey node = NewKey();
  BoxKey other = NewKey();
  const std::string secret = "-----BEGIN PRIVATE KEY-----\nMIIEvQ...\n-----END PRIVATE KEY-----\n";
  auto sealed = node.public_key().Seal(secret);
  ASSERT_TRUE(sealed) << sealed.error().message;
  EXPECT_EQ(sealed->rfind("sealed:", 0), 0u);
  EXPECT_EQ(sealed->find("BEGIN"), std::string::npos);
  EXPECT_TRUE(IsSealedText(*sealed));

  auto opened = node.Open(*sealed);
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(*opened, secret);
  // An ephemeral sender key per seal: the same secret never seals to the same text twice.
  EXPECT_NE(*node.public_key().Seal(secret), *sealed);

  auto foreign = other.Open(*sealed);
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().code, ErrorCode::kInvalid);

  // One altered byte anywhere in the ciphertext: refused, with the same message.
  auto bytes = Base64Decode(sealed->substr(7)).value();
  for (size_t i : {size_t{0}, size_t{40}, bytes.size() - 1}) {
    std::string altered = bytes;
    altered[i] = static_cast<char>(altered[i] ^ 0x01);
    auto refused = node.Open("sealed:" + Base64Encode(altered));
    ASSERT_FALSE(refused) << "byte " << i;
    EXPECT_EQ(refused.error().message, foreign.error().message);
  }
}

TEST(SealedBoxTest, MalformedSealedTextIsRefusedByShape) {
  BoxKey node = NewKey();
  const std::string ok = node.public_key().Seal("x").value();
  for (const std::string& bad :
       {std::string(), std::string("sealed:"), std::string("sealed:AAAA"), "Sealed:" + ok.substr(7),
        ok.substr(7), ok + "=", ok + "\n", "sealed:" + ok.substr(8),
        "sealed:" + Base64Encode(std::string(48, 'a'))}) {
    EXPECT_FALSE(IsSealedText(bad)) << bad;
    EXPECT_FALSE(node.Open(bad)) << bad;
  }
  EXPECT_FALSE(node.public_key().Seal(""));
  EXPECT_FALSE(node.public_key().Seal(std::string(kMaxSealedPlaintext + 1, 'a')));
  EXPECT_TRUE(node.public_key().Seal(std::string(kMaxSealedPlaintext, 'a')));
  EXPECT_TRUE(IsSealedText(node.public_key().Seal(std::string(kMaxSealedPlaintext, 'a')).value()));
}

TEST(SealedBoxTest, PublicKeyTextRoundTripsAndHasOneSpelling) {
  BoxKey node = NewKey();
  const std::string text = node.public_key().ToString();
  EXPECT_EQ(text.rfind("x25519:", 0), 0u);
  EXPECT_EQ(text.size(), 7u + 44u);
  auto parsed = BoxPublicKey::Parse(text);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, node.public_key());
  // A secret sealed to the parsed key opens with the node's key.
  EXPECT_EQ(node.Open(parsed->Seal("pw").value()).value(), "pw");
  for (const std::string& bad :
       {std::string("ed25519:") + text.substr(7), text.substr(7), text + "A",
        text.substr(0, text.size() - 1), std::string("x25519:")}) {
    EXPECT_FALSE(BoxPublicKey::Parse(bad)) << bad;
  }
}

TEST(SealedBoxTest, KeyFileIsCreatedOnceWithMode0600AndReadBack) {
  auto dir = std::filesystem::temp_directory_path() / ("hp-box-" + RandomHex(6));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "node-box.key").string();
  auto first = LoadOrCreateBoxKey(path);
  ASSERT_TRUE(first) << first.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = LoadOrCreateBoxKey(path);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->public_key(), first->public_key());
  EXPECT_EQ(again->Open(first->public_key().Seal("dkim").value()).value(), "dkim");

  ::chmod(path.c_str(), 0640);
  auto loose = LoadOrCreateBoxKey(path);
  ASSERT_FALSE(loose);
  EXPECT_NE(loose.error().message.find("chmod 600"), std::string::npos);

  ::chmod(path.c_str(), 0600);
  std::ofstream(path) << "x25519-secret:not-a-key\n";
  auto garbage = LoadOrCreateBoxKey(path);
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().message.find("not-a-key"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hostplane
