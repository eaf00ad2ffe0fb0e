#pragma once

// The refused values of every input grammar of shared/SECURITY.md, with the code each is refused
// with: the one table the grammar tests (protocol/validate_test.cc), the API's refused-input test
// (tests/integration/refused_input_test.cc) and the bus proof (tests/proof/bus_refusal_test.cc,
// the same values in validly signed bundles sent straight to an agent) read. A value added here
// is tried everywhere the grammar is checked. Header-only, for tests.
//
// Each list holds values the grammar's check (validate.h, zone_spec.h) refuses whatever the
// context: no value here depends on the machine's user database or on another customer's names.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace hostplane::protocol::testing {

// One value a grammar refuses and the code of the refusal ("domain.hyphen").
struct RefusedValue {
  std::string value;
  std::string code;
};

// An integer field's refused value (uid, TTL, quota, ...) and its code.
struct RefusedNumber {
  int64_t value;
  std::string code;
};

// A DNS record a zone's grammar refuses (CheckDnsRecord of zone "acme.example"), and the field
// of the record the code is about ("value", "ttl", "name").
struct RefusedRecord {
  std::string name;
  std::string type;
  std::string value;
  int64_t ttl;
  std::string field;
  std::string code;
};

// Whether a value can travel in JSON at all (a JSON text is UTF-8): a request body or a bundle
// carries invalid UTF-8 replaced, so such values are tried on the grammar directly only.
inline bool FitsInJson(const std::string& value) {
  try {
    (void)nlohmann::json(value).dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

namespace refused_detail {
inline std::string Repeat(char c, size_t n) { return std::string(n, c); }
inline std::string Nul(const char* before, const char* after) {
  return std::string(before) + std::string(1, '\0') + after;
}
}  // namespace refused_detail

// CheckDomain: site names, aliases, mail domains, zones, certificate names.
inline std::vector<RefusedValue> RefusedDomains() {
  using refused_detail::Repeat;
  const std::string max_name =
      Repeat('a', 63) + "." + Repeat('b', 63) + "." + Repeat('c', 63) + "." + Repeat('d', 61);
  return {
      {"", "domain.empty"},
      {".", "domain.empty"},
      {Repeat('a', 2000) + ".com", "domain.too_long"},
      {max_name + "d", "domain.too_long"},
      {"a..com", "domain.label_empty"},
      {".a.com", "domain.label_empty"},
      {"a.com..", "domain.label_empty"},  // only ONE trailing dot is stripped
      {Repeat('a', 64) + ".com", "domain.label_too_long"},
      {"ex ample.com", "domain.invalid_character"},
      {"a\n.com", "domain.invalid_character"},
      {"a\r\nb.com", "domain.invalid_character"},
      {"evil.example\nserver_name x", "domain.invalid_character"},
      {"a;b.com", "domain.invalid_character"},
      {"a{b.com", "domain.invalid_character"},
      {"a}b.com", "domain.invalid_character"},
      {"a\"b.com", "domain.invalid_character"},
      {"a'b.com", "domain.invalid_character"},
      {"a$b.com", "domain.invalid_character"},
      {"$host.example", "domain.invalid_character"},
      {"a_b.com", "domain.invalid_character"},
      {"a/b.com", "domain.invalid_character"},
      {"a*.com", "domain.invalid_character"},
      {refused_detail::Nul("a", "b.com"), "domain.invalid_character"},
      {"\xff.com", "domain.invalid_character"},
      {"\xef\xbc\x84x.com", "domain.invalid_character"},  // fullwidth $ maps to $
      {"\xef\xbc\x9bx.com", "domain.invalid_character"},  // fullwidth ;
      {"-a.com", "domain.hyphen"},
      {"a-.com", "domain.hyphen"},
      {"a.-com", "domain.hyphen"},
      {"ab--cd.com", "domain.hyphen"},
      {"com", "domain.single_label"},
      {"com.", "domain.single_label"},
      {"1.2.3.4", "domain.ip_literal"},
      {"1.2.3.4.", "domain.ip_literal"},
      {"[::1]", "domain.ip_literal"},
      {"::1", "domain.ip_literal"},
      {"[fe80::1]", "domain.ip_literal"},
      {"::ffff:1.2.3.4", "domain.ip_literal"},
      {"\xef\xbc\x91.\xef\xbc\x92.\xef\xbc\x93.\xef\xbc\x94", "domain.ip_literal"},  // fullwidth
      {"a.123", "domain.numeric_tld"},
      {"127.1", "domain.numeric_tld"},
      {"p\xd0\xb0ypal.com", "domain.mixed_script"},  // Cyrillic а
      {"xn--pypal-4ve.com", "domain.mixed_script"},
      {"\xce\xb1\xd0\xb1.com", "domain.mixed_script"},  // Greek + Cyrillic
      {"xn--garbage.com", "domain.idna"},
      {"xn--.com", "domain.idna"},
      {"xn--a.com", "domain.idna"},
      {"\xf0\x9f\x92\xa9.la", "domain.idna"},  // emoji are disallowed
      {"1\xd7\x90.com", "domain.idna"},        // bidi rule
      {"\xe2\x92\x88"
       "com",
       "domain.idna"},  // ⒈ maps to "1."
      // Invisible code points are refused before IDNA could drop them (issue 12).
      {"a\xe2\x80\xae.com", "domain.disallowed_codepoint"},          // RLO
      {"sh\xe2\x80\x8bop.example", "domain.disallowed_codepoint"},   // ZWSP
      {"sh\xc2\xadop.example", "domain.disallowed_codepoint"},       // soft hyphen
      {"\xef\xbb\xbfshop.example", "domain.disallowed_codepoint"},   // BOM
      {"shop\xe2\x81\xa0.example", "domain.disallowed_codepoint"},   // WJ
      {"shop\xef\xb8\x8f.example", "domain.disallowed_codepoint"},   // VS16
      {"shop\xe3\x85\xa4.example", "domain.disallowed_codepoint"},   // filler
      {"shop\xc2\xa0x.example", "domain.disallowed_codepoint"},      // NBSP
      {"shop\xe3\x80\x80x.example", "domain.disallowed_codepoint"},  // ideographic space
      {"\xd9\x85\xe2\x80\x8c.example", "domain.idna"},               // ZWNJ out of context
      {"localhost", "domain.reserved"},
      {"localhost.", "domain.reserved"},
      {"app.localhost", "domain.reserved"},
      {"x.invalid", "domain.reserved"},
      {"hostplane.internal", "domain.reserved"},
      {"ctl.HostPlane.Internal", "domain.reserved"},
      {"localhost.localdomain", "domain.reserved"},
      {"LOCALHOST.localdomain.", "domain.reserved"},
      {"mail.localhost.localdomain", "domain.reserved"},
      {"printer.local", "domain.reserved"},
      {"x.arpa", "domain.reserved"},
      {"in-addr.arpa", "domain.reserved"},
      {"ip6.arpa", "domain.reserved"},
  };
}

// CheckLoginGrammar (and CheckLogin, which adds this machine's users): account logins.
inline std::vector<RefusedValue> RefusedLogins() {
  return {
      {"", "login.empty"},
      {"1abc", "login.starts_with_digit"},
      {"0day", "login.starts_with_digit"},
      {"Abc", "login.invalid_character"},  // never silently lowercased
      {"acME", "login.invalid_character"},
      {"ab_c", "login.invalid_character"},
      {"ab-c", "login.invalid_character"},
      {"www-data", "login.invalid_character"},
      {"ab.c", "login.invalid_character"},
      {"abc\n", "login.invalid_character"},
      {"ab c", "login.invalid_character"},
      {"ab/../c", "login.invalid_character"},
      {"\xc3\xa4"
       "bc",
       "login.invalid_character"},
      {"ab", "login.too_short"},
      {"a", "login.too_short"},
      {"abcdefghijklmnopq", "login.too_long"},  // 17
      {"root", "login.reserved"},
      {"daemon", "login.reserved"},
      {"nobody", "login.reserved"},
      {"postmaster", "login.reserved"},
      {"webmaster", "login.reserved"},
      {"hostmaster", "login.reserved"},
      {"abuse", "login.reserved"},
      {"admin", "login.reserved"},
      {"administrator", "login.reserved"},
      {"mysql", "login.reserved"},
      {"postgres", "login.reserved"},
      {"nginx", "login.reserved"},
      {"dovecot", "login.reserved"},
      {"dovenull", "login.reserved"},
      {"postfix", "login.reserved"},
      {"messagebus", "login.reserved"},
      {"hostplane", "login.reserved"},
      {"systemdx", "login.reserved"},
      {"backup", "login.reserved"},
      {"gnats", "login.reserved"},
  };
}

// CheckRelativePath: docroots, FTP homes.
inline std::vector<RefusedValue> RefusedPaths() {
  using refused_detail::Repeat;
  return {
      {"", "path.empty"},
      {".", "path.empty"},
      {"./", "path.empty"},
      {"/abs", "path.absolute"},
      {"/etc", "path.absolute"},
      {"//abs", "path.absolute"},
      {"..", "path.dot_dot"},
      {"../x", "path.dot_dot"},
      {"../../etc", "path.dot_dot"},
      {"a/../b", "path.dot_dot"},
      {"a/..", "path.dot_dot"},
      {"a\\b", "path.backslash"},
      {"..\\x", "path.backslash"},
      {"a\nb", "path.control_character"},
      {refused_detail::Nul("a", "b"), "path.control_character"},
      {"a\x7f", "path.control_character"},
      {"a\tb", "path.control_character"},
      {"a b", "path.invalid_character"},
      {"a$b", "path.invalid_character"},
      {"a;b", "path.invalid_character"},
      {"a{b}", "path.invalid_character"},
      {"a\"b", "path.invalid_character"},
      {"~/x", "path.invalid_character"},
      {"\xc3\xbc", "path.invalid_character"},
      {"-rf", "path.leading_hyphen"},
      {"web/-x", "path.leading_hyphen"},
      {"./--help", "path.leading_hyphen"},
      {Repeat('a', 256), "path.too_long"},
      {Repeat('a', 200) + "/" + Repeat('b', 60), "path.too_long"},
  };
}

// CheckEmail: contact addresses (a certificate's ACME account, a customer's e-mail).
inline std::vector<RefusedValue> RefusedEmails() {
  using refused_detail::Repeat;
  return {
      {"", "email.invalid"},
      {"no-at-sign", "email.invalid"},
      {"not-an-email", "email.invalid"},
      {"@example.com", "email.invalid"},
      {"jane@", "email.invalid"},
      {"ja ne@example.com", "email.invalid"},
      {"ja\"ne@example.com", "email.invalid"},
      {"ja<ne@example.com", "email.invalid"},
      {"ja,ne@example.com", "email.invalid"},
      {"ja;ne@example.com", "email.invalid"},
      {"ja\nne@example.com", "email.invalid"},
      {".jane@example.com", "email.invalid"},
      {"ja..ne@example.com", "email.invalid"},
      {"a@b@example.com", "email.invalid"},
      {Repeat('a', 65) + "@example.com", "email.too_long"},
      {"a@" + Repeat('b', 250) + ".com", "email.too_long"},
      {"jane@-example.com", "domain.hyphen"},
      {"jane@localhost", "domain.reserved"},
      {"jane@1.2.3.4", "domain.ip_literal"},
      {"jane@exa mple.com", "domain.invalid_character"},
  };
}

// CheckPassword: panel and service passwords (never sent to an agent: it gets hashes).
inline std::vector<RefusedValue> RefusedPasswords() {
  using refused_detail::Repeat;
  return {
      {"", "password.too_short"},
      {"tiny-pw", "password.too_short"},
      {Repeat('x', 1025), "password.too_long"},
      {Repeat('x', 12) + "\xff", "password.invalid_utf8"},
      {Repeat('x', 12) + "\xc0\xaf", "password.invalid_utf8"},  // overlong '/'
      {Repeat('x', 12) + "\n", "password.control_character"},
      {Repeat('x', 12) + "\x7f", "password.control_character"},
      {Repeat('x', 12) + std::string(1, '\0'), "password.control_character"},
      {Repeat('x', 12) + "\xc2\x85", "password.control_character"},  // NEL
      // Issue 12: a password that NFC would change cannot be typed reliably.
      {"cafe\xcc\x81-au-lait-42", "password.not_nfc"},     // e + COMBINING ACUTE
      {"\xe2\x84\xab-angstrom-pass", "password.not_nfc"},  // ANGSTROM SIGN -> Å
  };
}

// CheckLocalPart: mailbox and forwarder local parts.
inline std::vector<RefusedValue> RefusedLocalParts() {
  using refused_detail::Repeat;
  return {
      {"", "local_part.invalid"},          {".a", "local_part.invalid"},
      {"a.", "local_part.invalid"},        {"-a", "local_part.invalid"},
      {"a b", "local_part.invalid"},       {"a@b", "local_part.invalid"},
      {"a\nb", "local_part.invalid"},      {"a:b", "local_part.invalid"},
      {"\xc3\xbc", "local_part.invalid"},  {"a..b", "local_part.dot_dot"},
      {"a+b", "local_part.plus_reserved"}, {Repeat('a', 65), "local_part.too_long"},
  };
}

// CheckDisplayName: names shown to people (a customer's, an autoresponder's).
inline std::vector<RefusedValue> RefusedDisplayNames() {
  using refused_detail::Repeat;
  return {
      {"Jane\tDoe", "name.control_character"},
      {"", "name.empty"},
      {"   ", "name.empty"},
      {"a\nb", "name.control_character"},
      {"a\x1b[31m", "name.control_character"},
      {"evil\xe2\x80\xaegnp.exe", "name.control_character"},  // RLO
      {"a\xe2\x80\xa8"
       "b",
       "name.control_character"},  // LINE SEPARATOR
      {"a\xff", "name.invalid_utf8"},
      {Repeat('n', 201), "name.too_long"},
  };
}

// A PHP version (^[0-9]\.[0-9]{1,2}$): a site's "php" and an account's pools.
inline std::vector<RefusedValue> RefusedPhpVersions() {
  return {
      {"8", "php.invalid"},    {"8.", "php.invalid"},     {"8.123", "php.invalid"},
      {"10.1", "php.invalid"}, {"8.2;", "php.invalid"},   {"8.2\n", "php.invalid"},
      {" 8.2", "php.invalid"}, {"../8.2", "php.invalid"}, {"8.2 ; rm", "php.invalid"},
      {"8,2", "php.invalid"},  {"latest", "php.invalid"}, {"8.2/../..", "php.invalid"},
  };
}

// A service's status (active | suspended).
inline std::vector<RefusedValue> RefusedStatuses() {
  return {
      {"deleted", "status.invalid"},
      {"Active", "status.invalid"},
      {"active\n", "status.invalid"},
      {"suspended;", "status.invalid"},
  };
}

// Unix uids and gids handed to accounts and FTP users: never root, never a system id, never
// above 2^31-1 (kMaxAccountId); (uid_t)-1 and -2 least of all.
inline std::vector<RefusedNumber> RefusedUnixIds() {
  return {
      {0, "field.range"},          {1, "field.range"},          {999, "field.range"},
      {-1, "field.range"},         {2147483648, "field.range"}, {4294967294, "field.range"},
      {4294967295, "field.range"},
  };
}

// DNS records of zone "acme.example", per type, and TTLs.
inline std::vector<RefusedRecord> RefusedDnsRecords() {
  const std::string sha256(64, 'a');
  return {
      {"www", "A", "192.0.2.256", 3600, "value", "record.value_invalid"},
      {"www", "A", "192.0.2", 3600, "value", "record.value_invalid"},
      {"www", "A", "2001:db8::1", 3600, "value", "record.value_invalid"},
      {"www", "A", " 192.0.2.1", 3600, "value", "record.value_invalid"},
      {"www", "AAAA", "192.0.2.1", 3600, "value", "record.value_invalid"},
      {"www", "AAAA", "fe80::1%eth0", 3600, "value", "record.value_invalid"},
      {"www", "CNAME", "shop", 3600, "value", "record.value_invalid"},
      {"www", "CNAME", "192.0.2.1", 3600, "value", "record.value_invalid"},
      {"www", "CNAME", "-bad.example", 3600, "value", "record.value_invalid"},
      {"www", "CNAME", "a..example", 3600, "value", "record.value_invalid"},
      {"sub", "NS", "ns1;rm", 3600, "value", "record.value_invalid"},
      {"@", "MX", "10 .", 3600, "value", "record.value_invalid"},
      {"@", "MX", "65536 mail.acme.example", 3600, "value", "record.value_invalid"},
      {"@", "MX", "010 mail.acme.example", 3600, "value", "record.value_invalid"},
      {"@", "MX", "-1 mail.acme.example", 3600, "value", "record.value_invalid"},
      {"@", "MX", "mail.acme.example", 3600, "value", "record.value_invalid"},
      {"@", "MX", "10\tmail.acme.example", 3600, "value", "record.value_invalid"},
      {"@", "TXT", std::string(4001, 'a'), 3600, "value", "record.txt_too_long"},
      {"@", "TXT", "a\n$INCLUDE /etc/passwd", 3600, "value", "record.value_invalid"},
      {"@", "TXT", "a\rb", 3600, "value", "record.value_invalid"},
      {"@", "TXT", "a\x7f", 3600, "value", "record.value_invalid"},
      {"@", "TXT", "a\xc2\x85", 3600, "value", "record.value_invalid"},  // NEL
      {"@", "TXT", "\xff\xfe", 3600, "value", "record.value_invalid"},
      {"@", "CAA", "0 iodef sec@acme.example", 3600, "value", "record.value_invalid"},
      {"@", "CAA", "0 tbs letsencrypt.org", 3600, "value", "record.value_invalid"},
      {"@", "CAA", "256 issue letsencrypt.org", 3600, "value", "record.value_invalid"},
      {"@", "CAA", "0 issue le\"org", 3600, "value", "record.value_invalid"},
      {"@", "CAA", "0 issue", 3600, "value", "record.value_invalid"},
      {"_443._tcp", "TLSA", "4 1 1 " + sha256, 3600, "value", "record.tlsa_usage"},
      {"_443._tcp", "TLSA", "3 1 1 " + sha256 + "\n$INCLUDE /etc/passwd", 3600, "value",
       "record.value_invalid"},
      {"@", "HTTPS", "1 . alpn=h2;$INCLUDE", 3600, "value", "record.svcb_param_value"},
      {"@", "HTTPS", "1 . key65000=x", 3600, "value", "record.svcb_param_unknown"},
      {"-bad", "A", "192.0.2.1", 3600, "name", "record.name_invalid"},
      {"bad-", "A", "192.0.2.1", 3600, "name", "record.name_invalid"},
      {"$INCLUDE", "A", "192.0.2.1", 3600, "name", "record.name_invalid"},
      {"a..b", "A", "192.0.2.1", 3600, "name", "record.name_invalid"},
      {"x.other.example.", "A", "192.0.2.1", 3600, "name", "record.name_invalid"},
      {"@", "A", "192.0.2.1", 59, "ttl", "record.ttl_range"},
      {"@", "A", "192.0.2.1", 604801, "ttl", "record.ttl_range"},
      {"@", "A", "192.0.2.1", -1, "ttl", "record.ttl_range"},
  };
}

}  // namespace hostplane::protocol::testing
