#include "controller/secrets/secret_vault.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "common/crypto.h"
#include "common/sealed_box.h"
#include "controller/secrets/dkim_key_pair.h"
#include "controller/store/temp_store_for_test.h"

namespace hostplane::controller {
namespace {

constexpr const char* kSecret = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n";

std::shared_ptr<const MasterKey> NewKey() {
  auto key = MasterKey::Generate();
  EXPECT_TRUE(key.has_value());
  return std::make_shared<const MasterKey>(std::move(*key));
}

// Every byte of the database file (and its WAL), as the file system holds them.
std::string RawBytes(const std::string& db_path) {
  std::string all;
  for (const std::string& p : {db_path, db_path + "-wal"}) {
    std::ifstream in(p, std::ios::binary);
    all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return all;
}

class SecretVaultTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(InitCrypto()); }
  TempStore store_;
};

TEST_F(SecretVaultTest, KeepsValuesSealedAndOpensThemWithTheSameKey) {
  SecretVault vault(NewKey());
  ASSERT_TRUE(
      store_->Write([&](StoreTxn& tx) { return vault.Put(tx, "dkim/a.example/hp1", kSecret); }));
  std::string stored;
  ASSERT_TRUE(store_->Snapshot([&](StoreTxn& tx) -> Status {
    HP_ASSIGN_OR_RETURN(auto row, tx.secrets().Find("dkim/a.example/hp1"));
    EXPECT_TRUE(row.has_value());
    stored = row.value_or("");
    HP_ASSIGN_OR_RETURN(std::string plain, vault.Get(tx, "dkim/a.example/hp1"));
    EXPECT_EQ(plain, kSecret);
    HP_ASSIGN_OR_RETURN(bool has, vault.Has(tx, "dkim/a.example/hp1"));
    EXPECT_TRUE(has);
    HP_ASSIGN_OR_RETURN(bool other, vault.Has(tx, "dkim/b.example/hp1"));
    EXPECT_FALSE(other);
    return Ok();
  }));
  // The row holds "sb1:" and base64, never the value or a piece of it.
  EXPECT_TRUE(stored.starts_with(MasterKey::kSealedPrefix)) << stored;
  EXPECT_EQ(stored.find("PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(stored.find(Base64Encode(kSecret).substr(0, 16)), std::string::npos);
  // Nor does any byte of the database file.
  const std::string raw = RawBytes(store_.path());
  EXPECT_FALSE(raw.empty());
  EXPECT_EQ(raw.find("BEGIN PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(raw.find("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"), std::string::npos);
  // Two puts of one value are two different ciphertexts (a nonce per value).
  ASSERT_TRUE(
      store_->Write([&](StoreTxn& tx) { return vault.Put(tx, "dkim/a.example/hp1", kSecret); }));
  auto again = store_->Read([&](StoreTxn& tx) { return tx.secrets().Find("dkim/a.example/hp1"); });
  ASSERT_TRUE(again && *again);
  EXPECT_NE(**again, stored);
}

TEST_F(SecretVaultTest, AWrongMasterKeyFailsCleanlyWithoutTheValue) {
  SecretVault vault(NewKey());
  ASSERT_TRUE(
      store_->Write([&](StoreTxn& tx) { return vault.Put(tx, "dkim/a.example/hp1", kSecret); }));
  SecretVault other(NewKey());
  auto got = store_->Read([&](StoreTxn& tx) { return other.Get(tx, "dkim/a.example/hp1"); });
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code, ErrorCode::kInvalid);
  EXPECT_NE(got.error().message.find("master key"), std::string::npos) << got.error().message;
  EXPECT_EQ(got.error().message.find("PRIVATE"), std::string::npos);
  // A missing one is kNotFound, not a crypto error.
  auto missing = store_->Read([&](StoreTxn& tx) { return vault.Get(tx, "dkim/none/hp1"); });
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(SecretVaultTest, AValueMovedToAnotherNameOrAlteredDoesNotOpen) {
  SecretVault vault(NewKey());
  ASSERT_TRUE(store_->Write([&](StoreTxn& tx) -> Status {
    HP_TRY(vault.Put(tx, "dkim/a.example/hp1", kSecret));
    HP_ASSIGN_OR_RETURN(auto row, tx.secrets().Find("dkim/a.example/hp1"));
    HP_TRY(tx.secrets().Put("dkim/b.example/hp1", *row));
    std::string altered = *row;
    altered[altered.size() - 3] = altered[altered.size() - 3] == 'A' ? 'B' : 'A';
    HP_TRY(tx.secrets().Put("dkim/c.example/hp1", altered));
    return tx.secrets().Put("dkim/d.example/hp1", "not sealed at all");
  }));
  for (const char* name : {"dkim/b.example/hp1", "dkim/c.example/hp1", "dkim/d.example/hp1"}) {
    auto got = store_->Read([&](StoreTxn& tx) { return vault.Get(tx, name); });
    ASSERT_FALSE(got.has_value()) << name;
    EXPECT_EQ(got.error().code, ErrorCode::kInvalid) << name;
  }
}

TEST_F(SecretVaultTest, RemovesAndSealsToANodeOnlyWhenItHasAnnouncedItsKey) {
  SecretVault vault(NewKey());
  auto box = BoxKey::Generate();
  ASSERT_TRUE(box);
  Node node;
  node.name = "mx1";
  ASSERT_TRUE(store_->Write([&](StoreTxn& tx) -> Status {
    HP_TRY(vault.Put(tx, "dkim/a.example/hp1", kSecret));
    auto none = vault.SealTo(tx, "dkim/a.example/hp1", node);
    EXPECT_FALSE(none.has_value());
    if (!none) {
      EXPECT_EQ(none.error().code, ErrorCode::kUnavailable);
    }
    node.box_key = box->public_key().ToString();
    HP_ASSIGN_OR_RETURN(std::string sealed, vault.SealTo(tx, "dkim/a.example/hp1", node));
    EXPECT_TRUE(IsSealedText(sealed));
    auto opened = box->Open(sealed);
    EXPECT_TRUE(opened && *opened == kSecret);
    HP_ASSIGN_OR_RETURN(bool removed, vault.Remove(tx, "dkim/a.example/hp1"));
    EXPECT_TRUE(removed);
    HP_ASSIGN_OR_RETURN(bool again, vault.Remove(tx, "dkim/a.example/hp1"));
    EXPECT_FALSE(again);
    return Ok();
  }));
}

TEST(MasterKeyFile, IsCreated0600OnceAndRefusedWhenOthersCanReadIt) {
  ASSERT_TRUE(InitCrypto());
  TempStore dir;
  const std::string path = dir.dir() + "/secrets.key";
  auto first = LoadOrCreateMasterKey(path);
  ASSERT_TRUE(first) << first.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto second = LoadOrCreateMasterKey(path);
  ASSERT_TRUE(second);
  EXPECT_EQ(first->FileContent(), second->FileContent());
  auto sealed = first->Seal("x", "value");
  ASSERT_TRUE(sealed);
  auto opened = second->Open("x", *sealed);
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, "value");
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto loose = LoadOrCreateMasterKey(path);
  ASSERT_FALSE(loose);
  EXPECT_EQ(loose.error().code, ErrorCode::kInvalid);
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  {
    std::ofstream out(path, std::ios::trunc);
    out << "secretbox-key:not-base64\n";
  }
  auto garbled = LoadOrCreateMasterKey(path);
  ASSERT_FALSE(garbled);
  EXPECT_EQ(garbled.error().message.find("not-base64"), std::string::npos);
}

TEST(DkimKeyPairTest, IsRsa2048WithItsPublicHalfForTheRecord) {
  auto pair = GenerateDkimKey();
  ASSERT_TRUE(pair) << pair.error().message;
  EXPECT_TRUE(pair->private_pem.starts_with("-----BEGIN PRIVATE KEY-----")) << pair->private_pem;
  auto der = Base64Decode(pair->public_key);
  ASSERT_TRUE(der);
  EXPECT_EQ(der->size(), 294u);  // SubjectPublicKeyInfo of an RSA-2048 key
  EXPECT_EQ(DkimRecordValue(pair->public_key), "v=DKIM1; k=rsa; p=" + pair->public_key);
  auto other = GenerateDkimKey();
  ASSERT_TRUE(other);
  EXPECT_NE(other->public_key, pair->public_key);
}

}  // namespace
}  // namespace hostplane::controller
