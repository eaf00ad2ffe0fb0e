#include "protocol/validate.h"

#include <gtest/gtest.h>
#include <pwd.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "protocol/testing/refused_values.h"

namespace hostplane::protocol {
namespace {

using namespace std::string_literals;  // "a\0b"s keeps the NUL
using testing::RefusedDisplayNames;
using testing::RefusedDomains;
using testing::RefusedEmails;
using testing::RefusedLocalParts;
using testing::RefusedLogins;
using testing::RefusedPasswords;
using testing::RefusedPaths;

// One input and what a check must make of it: the canonical form, or the violation's code.
struct Case {
  std::string input;
  std::string want;  // canonical form when code is empty
  std::string code;  // "" = accepted
};

Case Ok(std::string input, std::string canonical) {
  return {std::move(input), std::move(canonical), ""};
}
Case Ok(std::string input) { return {input, input, ""}; }
Case Bad(std::string input, std::string code) { return {std::move(input), "", std::move(code)}; }

// The accepted cases and the grammar's refused values of the shared table
// (protocol/testing/refused_values.h).
std::vector<Case> WithRefused(std::vector<Case> cases,
                              const std::vector<testing::RefusedValue>& bad) {
  for (const auto& r : bad) cases.push_back(Bad(r.value, r.code));
  return cases;
}

template <typename T>
void ExpectCases(const char* grammar, Checked<T> (*check)(std::string_view),
                 const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(grammar) + " " + QuoteForMessage(c.input));
    auto got = check(c.input);
    if (c.code.empty()) {
      ASSERT_TRUE(got) << got.error().code << ": " << got.error().message;
      EXPECT_EQ(*got, c.want);
    } else {
      ASSERT_FALSE(got) << "accepted as " << *got;
      EXPECT_EQ(got.error().code, c.code) << got.error().message;
      EXPECT_FALSE(got.error().message.empty());
      // Messages quote input escaped: no raw control characters, ever.
      for (char ch : got.error().message) {
        EXPECT_FALSE(static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) << got.error().message;
      }
    }
  }
}

std::string Repeat(char c, size_t n) { return std::string(n, c); }

TEST(CheckDomainTest, CanonicalisesAndRefusesEveryCode) {
  // 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253
  const std::string max_name =
      Repeat('a', 63) + "." + Repeat('b', 63) + "." + Repeat('c', 63) + "." + Repeat('d', 61);
  ExpectCases("domain", CheckDomain,
              WithRefused(
                  {
                      Ok("example.com"),
                      Ok("shop.acme.example"),
                      Ok("a.test"),
                      Ok("Shop.Example.COM.", "shop.example.com"),
                      Ok("bücher.de", "xn--bcher-kva.de"),
                      Ok("BÜCHER.DE", "xn--bcher-kva.de"),
                      Ok("xn--bcher-kva.de"),
                      Ok("XN--BCHER-KVA.DE", "xn--bcher-kva.de"),
                      Ok("straße.de", "xn--strae-oqa.de"),           // non-transitional: ß stays
                      Ok("example.com\xe3\x80\x82", "example.com"),  // ideographic full stop
                      Ok("日本語.jp", "xn--wgv71a119e.jp"),
                      Ok("ひらがなカタカナ漢字.jp", "xn--v8j0cwa6gzha3lrdr510cymwb.jp"),
                      Ok("한국어漢字.kr", "xn--p8s937b4q9bkkuslr.kr"),
                      Ok("xn--mgbh0fb.xn--kgbechtv"),  // Arabic, right-to-left
                      Ok("a1-b2.example"),
                      Ok("nothostplane.internal"),
                      Ok(Repeat('a', 63) + ".com"),
                      Ok(max_name),
                      Ok(max_name + ".", max_name),
                      Ok("a.b.c.d.example"),
                      Ok("2.0.192.in-addr.arpa"),  // a reverse zone
                      Ok("8.b.d.0.1.0.0.2.ip6.arpa"),
                      Ok("localdomain.example"),
                      Ok("local.example"),
                      Ok("localhost.example"),
                      Ok("x.test"),
                      Ok("example.com"),
                  },
                  RefusedDomains()));
}

TEST(CheckReservedNameTest, OperatorNamesAreReservedAtBelowAndAbove) {
  const std::vector<std::string> extra = {"panel.hoster.example", "web1.hoster.example"};
  for (const char* name : {"panel.hoster.example", "x.panel.hoster.example", "hoster.example",
                           "web1.hoster.example", "localhost.localdomain"}) {
    auto v = CheckReservedName(name, extra);
    ASSERT_TRUE(v) << name;
    EXPECT_EQ(v->code, "domain.reserved") << name;
    EXPECT_FALSE(v->message.empty());
  }
  for (const char* name : {"shop.hoster.example", "panel.other.example", "hoster.example.net"}) {
    EXPECT_FALSE(CheckReservedName(name, extra)) << name;
  }
  // Without extras only the built-in list counts.
  EXPECT_FALSE(CheckReservedName("panel.hoster.example"));
  EXPECT_TRUE(CheckReservedName("a.localhost"));
}

TEST(CheckDnsOwnerNameTest, CanonicalisesAndRefusesHyphensAtLabelEnds) {
  struct NameCase {
    const char* input;
    const char* want;  // "" = refused with record.name_invalid
  };
  const std::vector<NameCase> cases = {
      {"@", "@"},
      {"www", "www"},
      {"WWW", "www"},
      {"*.dev", "*.dev"},
      {"_sip._tcp", "_sip._tcp"},
      {"a-b", "a-b"},
      {"www.acme.example.", "www"},
      {"acme.example.", "@"},
      {"-bad", ""},
      {"bad-", ""},
      {"a.-b", ""},
      {"-", ""},
      {"", ""},
      {"a..b", ""},
      {"dev.*", ""},
      {"$INCLUDE", ""},
      {"x.other.example.", ""},
  };
  for (const auto& c : cases) {
    auto got = CheckDnsOwnerName("acme.example", c.input);
    if (*c.want != '\0') {
      ASSERT_TRUE(got) << c.input << ": " << got.error().message;
      EXPECT_EQ(*got, c.want);
    } else {
      ASSERT_FALSE(got) << c.input << " accepted as " << *got;
      EXPECT_EQ(got.error().code, "record.name_invalid") << c.input;
    }
  }
}

TEST(CheckLoginTest, AcceptsTheGrammarAndRefusesEveryCode) {
  ExpectCases("login", CheckLogin,
              WithRefused(
                  {
                      Ok("acme"), Ok("abc"), Ok("shop42"),
                      Ok("abcdefghijklmnop"),  // 16
                  },
                  RefusedLogins()));
}

// A new customer's login may not be a user of this machine hostplane does not manage; an account
// user the agent made (comment kAccountUserComment) is no clash.
TEST(CheckLoginTest, RefusesEveryAccountOfThisMachineHostplaneDidNotMake) {
  struct Entry {
    std::string name;
    bool ours = false;
  };
  std::vector<Entry> entries;
  setpwent();
  while (struct passwd* pw = getpwent()) {
    bool ours = pw->pw_gecos != nullptr && std::string_view(pw->pw_gecos) == kAccountUserComment;
    entries.push_back({pw->pw_name, ours});
  }
  endpwent();
  ASSERT_FALSE(entries.empty());  // at least root
  for (const Entry& e : entries) {
    EXPECT_EQ(LookUpUnixUser(e.name), e.ours ? UnixUserOwner::kHostplane : UnixUserOwner::kOther)
        << e.name;
    auto got = CheckLogin(e.name);
    if (!CheckLoginGrammar(e.name)) {
      EXPECT_FALSE(got) << e.name;  // its grammar code
    } else if (e.ours) {
      EXPECT_TRUE(got) << e.name << " is an account user hostplane made";
    } else {
      ASSERT_FALSE(got) << e.name << " is an account here";
      EXPECT_EQ(got.error().code, "login.reserved") << e.name;
    }
  }
  EXPECT_EQ(LookUpUnixUser("hpabsent7q2z"), UnixUserOwner::kAbsent);
  EXPECT_EQ(CheckLogin("hpabsent7q2z").value(), "hpabsent7q2z");
}

// References and the agent: the grammar and the reserved names, whatever the user database says.
TEST(CheckLoginGrammarTest, IgnoresThisMachinesAccountsButNotTheGrammar) {
  setpwent();
  while (struct passwd* pw = getpwent()) {
    std::string name = pw->pw_name;
    auto grammar = CheckLoginGrammar(name);
    if (!grammar) {
      EXPECT_EQ(CheckLogin(name).error().code, grammar.error().code) << name;
    }
  }
  endpwent();
  EXPECT_EQ(CheckLoginGrammar("acme").value(), "acme");
  EXPECT_EQ(CheckLoginGrammar("root").error().code, "login.reserved");
  EXPECT_EQ(CheckLoginGrammar("9lives").error().code, "login.starts_with_digit");
  EXPECT_EQ(CheckLoginGrammar("ab").error().code, "login.too_short");
}

TEST(CheckRelativePathTest, NormalisesAndRefusesEveryCode) {
  ExpectCases("path", CheckRelativePath,
              WithRefused(
                  {
                      Ok("public_html"),
                      Ok("web/shop/public"),
                      Ok("a//b", "a/b"),
                      Ok("./a", "a"),
                      Ok("a/./b/", "a/b"),
                      Ok(".well-known"),
                      Ok("a/...", "a/..."),
                      Ok("v1.2_x-y"),
                      Ok("web/a-"),
                      Ok(Repeat('a', 255)),
                  },
                  RefusedPaths()));
}

// Found by fuzz/email_fuzz.cc: the length was checked on the input only, so an address with an
// internationalised domain short in UTF-8 but long in A-labels was accepted in a canonical form
// longer than 254 bytes, which CheckEmail then refused.
TEST(CheckEmailTest, RefusesAnAddressWhoseCanonicalFormIsTooLong) {
  std::string label = "a\u4e00b\u4e8cc\u4e09d\u56dbe\u4e94f";  // 21 bytes, 26 as an A-label
  std::string domain;
  for (int i = 0; i < 8; ++i) domain += label + ".";
  domain += "example";
  ASSERT_TRUE(CheckDomain(domain).has_value());
  ASSERT_LE(CheckDomain(domain)->size(), 253u);
  std::string address = Repeat('a', 60) + "@" + domain;
  ASSERT_LE(address.size(), 254u);
  auto checked = CheckEmail(address);
  ASSERT_FALSE(checked.has_value()) << *checked << " (" << checked->size() << " bytes)";
  EXPECT_EQ(checked.error().code, "email.too_long");
  // Every address it accepts, it accepts again unchanged.
  auto shorter = CheckEmail(Repeat('a', 20) + "@" + domain);
  ASSERT_TRUE(shorter.has_value()) << shorter.error().code;
  EXPECT_EQ(CheckEmail(*shorter).value_or(""), *shorter);
}

TEST(CheckEmailTest, LowercasesTheDomainAndRefusesEveryCode) {
  ExpectCases("email", CheckEmail,
              WithRefused(
                  {
                      Ok("jane@example.com"),
                      Ok("Jane.Doe+tag@Example.COM", "Jane.Doe+tag@example.com"),
                      Ok("o'brien@example.com"),
                      Ok("a@b\xc3\xbc"
                         "cher.de",
                         "a@xn--bcher-kva.de"),
                  },
                  RefusedEmails()));
}

TEST(CheckPasswordTest, AcceptsTheGrammarAndRefusesEveryCode) {
  const std::vector<Case> cases = WithRefused(
      {
          Ok("correct horse battery"), Ok(Repeat('x', 12)), Ok(Repeat('x', 1024)),
          // Issue 12: NFC passwords only (the table has the decomposed ones).
          Ok("caf\xc3\xa9-au-lait-42"),  // é composed
      },
      RefusedPasswords());
  ExpectCases("password", CheckPassword, cases);
  for (const Case& c : cases) {
    auto got = CheckPassword(c.input);
    if (!got && c.input.size() >= 4) {
      EXPECT_EQ(got.error().message.find(c.input), std::string::npos) << "password echoed";
    }
  }
}

TEST(CheckPasswordTest, RefusesThePasswordEqualToAUserName) {
  auto same = CheckPassword("acmeshopuser", {"acmeshopuser"});
  ASSERT_FALSE(same);
  EXPECT_EQ(same.error().code, "password.same_as_user");
  EXPECT_EQ(same.error().message.find("acmeshopuser"), std::string::npos) << "password echoed";
  EXPECT_EQ(CheckPassword("AcmeShopUser", {"acmeshopuser"}).error().code, "password.same_as_user");
  EXPECT_EQ(CheckPassword("info@acme.example", {"info@acme.example", "info"}).error().code,
            "password.same_as_user");
  EXPECT_TRUE(CheckPassword("acmeshopuser1", {"acmeshopuser"}));
  EXPECT_TRUE(CheckPassword("acmeshopuser", {""}));
}

TEST(CheckLocalPartTest, LowercasesAndRefusesEveryCode) {
  ExpectCases("local_part", CheckLocalPart,
              WithRefused(
                  {
                      Ok("info"),
                      Ok("a"),
                      Ok("Info", "info"),
                      Ok("first.last"),
                      Ok("a_b-c.d9"),
                      Ok(Repeat('a', 64)),
                  },
                  RefusedLocalParts()));
}

TEST(CheckDisplayNameTest, TrimsAndRefusesEveryCode) {
  ExpectCases("name", CheckDisplayName,
              WithRefused(
                  {
                      Ok("Jane Doe"),
                      Ok("  Jane Doe  ", "Jane Doe"),
                      Ok("\xc2\xa0Zo\xc3\xab\xc2\xa0", "Zo\xc3\xab"),  // NBSP trimmed, ë kept
                      Ok("ACME GmbH & Co. KG"),
                      Ok(Repeat('n', 200)),
                  },
                  RefusedDisplayNames()));
}

TEST(CheckNodeNameTest, AcceptsTheGrammarAndRefusesTheRest) {
  ExpectCases("node", CheckNodeName,
              {
                  Ok("web1"),
                  Ok("a"),
                  Ok("web-1-fra"),
                  Ok("w" + Repeat('1', 62)),
                  Bad("", "node.invalid"),
                  Bad("Web1", "node.invalid"),
                  Bad("1web", "node.invalid"),
                  Bad("-web", "node.invalid"),
                  Bad("web-", "node.invalid"),
                  Bad("web_1", "node.invalid"),
                  Bad("web.1", "node.invalid"),
                  Bad("web*", "node.invalid"),
                  Bad("w" + Repeat('1', 63), "node.invalid"),
              });
}

struct IntCase {
  std::string input;
  int64_t min;
  int64_t max;
  int64_t want;
  std::string code;
};

TEST(CheckIntegerTest, AcceptsOnlyStrictDecimalInRange) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const IntCase cases[] = {
      {"0", 0, 100, 0, ""},
      {"42", 0, 100, 42, ""},
      {"100", 0, 100, 100, ""},
      {"-5", -10, 10, -5, ""},
      {"-10", -10, 10, -10, ""},
      {"9223372036854775807", 0, kMax, kMax, ""},
      {"-9223372036854775808", kMin, kMax, kMin, ""},
      {"101", 0, 100, 0, "number.out_of_range"},
      {"-11", -10, 10, 0, "number.out_of_range"},
      {"5", 10, 20, 0, "number.out_of_range"},
      {"9223372036854775808", 0, kMax, 0, "number.out_of_range"},
      {"-9223372036854775809", kMin, kMax, 0, "number.out_of_range"},
      {"99999999999999999999999", 0, 100, 0, "number.out_of_range"},
      {"", 0, 100, 0, "number.not_integer"},
      {"+1", 0, 100, 0, "number.not_integer"},
      {"01", 0, 100, 0, "number.not_integer"},
      {"00", 0, 100, 0, "number.not_integer"},
      {"1e3", 0, 10000, 0, "number.not_integer"},
      {" 1", 0, 100, 0, "number.not_integer"},
      {"1 ", 0, 100, 0, "number.not_integer"},
      {"1.0", 0, 100, 0, "number.not_integer"},
      {"0x10", 0, 100, 0, "number.not_integer"},
      {"-0", -10, 10, 0, "number.not_integer"},
      {"-01", -10, 10, 0, "number.not_integer"},
      {"-", -10, 10, 0, "number.not_integer"},
      {"-1", 0, 100, 0, "number.not_integer"},        // no sign where negatives are impossible
      {"\xd9\xa1", 0, 100, 0, "number.not_integer"},  // ARABIC-INDIC DIGIT ONE
      {"1\n", 0, 100, 0, "number.not_integer"},
      {"unlimited", 0, 100, 0, "number.not_integer"},
  };
  for (const IntCase& c : cases) {
    SCOPED_TRACE(QuoteForMessage(c.input));
    auto got = CheckInteger(c.input, c.min, c.max);
    if (c.code.empty()) {
      ASSERT_TRUE(got) << got.error().message;
      EXPECT_EQ(*got, c.want);
    } else {
      ASSERT_FALSE(got) << *got;
      EXPECT_EQ(got.error().code, c.code) << got.error().message;
    }
  }
}

TEST(QuoteForMessageTest, EscapesWhatCouldMisleadAReader) {
  const std::pair<std::string, std::string> cases[] = {
      {"plain", "\"plain\""},
      {"b\xc3\xbc"
       "cher",
       "\"b\xc3\xbc"
       "cher\""},
      {"a\nb\r\t", "\"a\\nb\\r\\t\""},
      {"\x1b[31m", "\"\\x1b[31m\""},
      {"q\"b\\", "\"q\\\"b\\\\\""},
      {"\xff\xfe", "\"\\xff\\xfe\""},
      {"a\xe2\x80\xae"
       "b",
       "\"a\\u{202e}b\""},
      {"\xc2\x85", "\"\\u{0085}\""},
      {"\0"s, "\"\\x00\""},
      {Repeat('x', 70), "\"" + Repeat('x', 64) + "...\""},
  };
  for (const auto& [input, want] : cases) {
    EXPECT_EQ(QuoteForMessage(input), want);
  }
}

TEST(FieldErrorsTest, JoinsSentencesAndKeepsTheFirstCodeOfAField) {
  FieldErrors errors;
  EXPECT_TRUE(errors.empty());
  errors.Add("domain", {"domain.hyphen", "First."});
  errors.Add("account", {"login.reserved", "Second."});
  errors.Add("domain", {"domain.reserved", "Third."});
  EXPECT_FALSE(errors.empty());
  Error e = errors.ToError();
  EXPECT_EQ(e.code, ErrorCode::kInvalid);
  EXPECT_EQ(e.message, "First.; Second.; Third.");
  EXPECT_EQ(e.fields, (std::map<std::string, std::string>{{"domain", "domain.hyphen"},
                                                          {"account", "login.reserved"}}));
}

}  // namespace
}  // namespace hostplane::protocol
