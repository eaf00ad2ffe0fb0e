// Issue 16, "client autoconfig": a mail client sets itself up from the address alone, against the
// real daemons of `hostplane up` (label mail). A customer's first mailbox makes its mail node's
// nginx answer http://autoconfig.<domain>/mail/config-v1.1.xml (Thunderbird) and
// http://autodiscover.<domain>/autodiscover/autodiscover.xml (Outlook, by POST), read with curl by
// Host header and parsed with python3's XML parser as a client would: the node's host name, its
// real (non-standard) ports, TLS mode and the whole address as the user name. The customer's
// hostplane zone answers autoconfig and autodiscover (kdig), `mail dns` lists them to copy, the
// summary of `hostplane up` names the submission port, and the last mailbox gone takes the
// documents with it.

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "service_clients.h"
#include "test_support.h"

namespace hostplane::testing {
namespace {

constexpr const char* kDomain = "acme.example";
constexpr const char* kMailbox = "info@acme.example";

// The servers a document offers, one line each, as a client reads them: python3's ElementTree.
// Thunderbird: "<in|out> <type> <hostname>:<port> <socketType> <username>"; Outlook: "<Type>
// <Server>:<Port> ssl=<SSL> enc=<Encryption>".
constexpr const char* kReadDocument = R"PY(
import sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.buffer.read())
if root.tag == 'clientConfig':
    p = root.find('emailProvider')
    print('provider', p.get('id'), p.findtext('domain'))
    for kind, tag in (('in', 'incomingServer'), ('out', 'outgoingServer')):
        for s in p.findall(tag):
            print(kind, s.get('type'), s.findtext('hostname') + ':' + s.findtext('port'),
                  s.findtext('socketType'), s.findtext('username'))
else:
    ns = {'a': 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006',
          'o': 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a'}
    acct = root.find('o:Response/o:Account', ns)
    print('account', acct.findtext('o:AccountType', namespaces=ns),
          acct.findtext('o:Action', namespaces=ns))
    for p in acct.findall('o:Protocol', ns):
        print(p.findtext('o:Type', namespaces=ns),
              p.findtext('o:Server', namespaces=ns) + ':' + p.findtext('o:Port', namespaces=ns),
              'ssl=' + p.findtext('o:SSL', namespaces=ns),
              'enc=' + (p.findtext('o:Encryption', namespaces=ns) or '-'))
)PY";

// Fetches url with the Host header of a client that looked the name up; extra curl arguments
// (-X POST, data) before it. Returns "<status>\n<body>".
std::string Fetch(const UpInstance& up, const std::string& host, const std::string& path,
                  std::vector<std::string> extra = {}) {
  std::vector<std::string> argv = {"/usr/bin/curl",
                                   "-s",
                                   "--max-time",
                                   "10",
                                   "-H",
                                   "Host: " + host,
                                   "-w",
                                   "\n%{http_code} %{content_type}"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back("http://127.0.0.1:" + std::to_string(up.http_port()) + path);
  return Run(argv).out;
}

std::string BodyOf(const std::string& answer) { return answer.substr(0, answer.rfind('\n')); }
std::string StatusOf(const std::string& answer) { return answer.substr(answer.rfind('\n') + 1); }

std::string ReadAsClient(const std::string& xml) {
  auto r = Run({"/usr/bin/python3", "-c", kReadDocument}, xml);
  return r.exit_code == 0 ? r.out : "python3: " + r.err;
}

TEST(MailClientSetUp, ThunderbirdAndOutlookFindTheNodesServersFromTheAddress) {
  ASSERT_EQ(::geteuid(), 0u) << "Unix users, Postfix and Dovecot need root";
  UpOptions options;
  options.all_services = true;
  UpInstance up(options);
  ASSERT_OK(up.Start());
  const std::string submission = std::to_string(up.ports().submission);
  const std::string imap = std::to_string(up.ports().imap);
  // `hostplane up` says where PHP's mail() and mail clients submit. Start returns once
  // hostplane.env is written and the API answers; the summary may still be on its way.
  const std::string said = "submission 127.0.0.1:" + submission + " (STARTTLS)";
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
       up.log().find(said) == std::string::npos && std::chrono::steady_clock::now() < deadline;
       std::this_thread::sleep_for(std::chrono::milliseconds(100))) {
  }
  EXPECT_NE(up.log().find(said), std::string::npos) << up.log();

  auto call = [&](const std::string& method, const std::string& path, const Json& body) {
    auto r = up.Api(method, path, body);
    EXPECT_TRUE(r.status == 200 || r.status == 201 || r.status == 202)
        << method << " " << path << ": " << r.status << " " << r.body;
    for (const auto& t : WaitOrFail(up, UpInstance::TaskIds(r.json()))) {
      EXPECT_EQ(t["state"], "applied") << t.dump();
    }
  };
  call("POST", "/api/v1/customers", {{"login", "acme"}, {"email", "ops@acme.example"}});
  call("POST", "/api/v1/zones", {{"zone", kDomain}, {"customer", "acme"}});
  call("POST", "/api/v1/mailboxes",
       {{"address", kMailbox}, {"customer", "acme"}, {"password", kMailPassword}});
  ASSERT_FALSE(::testing::Test::HasFailure()) << up.log();
  ASSERT_TRUE(WaitConverged(up));

  // Thunderbird asks http://autoconfig.<domain>/mail/config-v1.1.xml.
  const std::string config = Fetch(up, "autoconfig.acme.example", "/mail/config-v1.1.xml");
  ASSERT_EQ(StatusOf(config), "200 application/xml; charset=utf-8") << config;
  const std::string host = "mx.hostplane.internal";  // the all-in-one's mail host name
  EXPECT_EQ(ReadAsClient(BodyOf(config)),
            "provider acme.example acme.example\n"
            "in imap " +
                host + ":" + imap +
                " STARTTLS %EMAILADDRESS%\n"
                "out smtp " +
                host + ":" + submission + " STARTTLS %EMAILADDRESS%\n")
      << BodyOf(config);

  // Outlook POSTs its request to http(s)://autodiscover.<domain>/autodiscover/autodiscover.xml.
  const std::string request = SecretFile(
      up.prefix(), "autodiscover-request.xml",
      "<?xml version=\"1.0\" encoding=\"utf-8\"?><Autodiscover "
      "xmlns=\"http://schemas.microsoft.com/"
      "exchange/autodiscover/outlook/requestschema/2006\"><Request><EMailAddress>info@acme.example"
      "</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/"
      "outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>");
  const std::string discover =
      Fetch(up, "autodiscover.acme.example", "/autodiscover/autodiscover.xml",
            {"-H", "Content-Type: text/xml", "--data-binary", "@" + request});
  ASSERT_EQ(StatusOf(discover), "200 application/xml; charset=utf-8") << discover;
  EXPECT_EQ(ReadAsClient(BodyOf(discover)),
            "account email settings\n"
            "IMAP " +
                host + ":" + imap +
                " ssl=off enc=TLS\n"
                "SMTP " +
                host + ":" + submission + " ssl=off enc=TLS\n")
      << BodyOf(discover);
  // Nothing else is served under those names.
  EXPECT_EQ(StatusOf(Fetch(up, "autoconfig.acme.example", "/")).substr(0, 3), "404");

  // The zone sends both names to the mail node; `mail dns` lists them to copy.
  EXPECT_EQ(Kdig(up, "autoconfig.acme.example", "A").out, "127.0.0.1\n");
  EXPECT_EQ(Kdig(up, "autodiscover.acme.example", "A").out, "127.0.0.1\n");
  auto dns = up.Api("GET", "/api/v1/mail-domains/acme.example/dns");
  ASSERT_EQ(dns.status, 200) << dns.body;
  int listed = 0;
  const Json shown = dns.json();  // kept: the loop reads into it
  for (const auto& r : shown["mail_domain"]["records"]) {
    if ((r["name"] == "autoconfig.acme.example" || r["name"] == "autodiscover.acme.example") &&
        r["type"] == "A" && r["value"] == "127.0.0.1") {
      ++listed;
    }
  }
  EXPECT_EQ(listed, 2) << dns.body;

  // The last mailbox gone, the mail domain goes, and its set-up with it.
  call("DELETE", std::string("/api/v1/mailboxes/") + kMailbox, nullptr);
  ASSERT_TRUE(WaitConverged(up));
  EXPECT_NE(StatusOf(Fetch(up, "autoconfig.acme.example", "/mail/config-v1.1.xml")).substr(0, 3),
            "200");
  EXPECT_EQ(Kdig(up, "autoconfig.acme.example", "A").out, "");
  up.RemoveAccounts();
}

}  // namespace
}  // namespace hostplane::testing
