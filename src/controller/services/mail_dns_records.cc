#include "controller/services/mail_dns_records.h"

#include "controller/secrets/dkim_key_pair.h"

namespace hostplane::controller {

std::vector<protocol::DnsRecord> MailDomainRecords(const Resource& domain, const Node& node,
                                                   const std::string& mx_host, int64_t ttl) {
  std::vector<protocol::DnsRecord> out;
  out.push_back({"@", "MX", ttl, "10 " + mx_host + "."});
  std::string spf = "v=spf1 mx";
  if (!node.ipv4.empty()) spf += " ip4:" + node.ipv4;
  if (!node.ipv6.empty()) spf += " ip6:" + node.ipv6;
  out.push_back({"@", "TXT", ttl, spf + " ~all"});
  const std::string selector = domain.data.value("dkim_selector", "");
  const std::string public_key = domain.data.value("dkim_public_key", "");
  if (!selector.empty() && !public_key.empty()) {
    out.push_back({selector + "._domainkey", "TXT", ttl, DkimRecordValue(public_key)});
  }
  out.push_back({"_dmarc", "TXT", ttl, "v=DMARC1; p=none"});
  // Client discovery (RFC 6186 with RFC 8314's implicit TLS): what to use, then what not to.
  const std::string target = " " + mx_host + ".";
  out.push_back({"_submissions._tcp", "SRV", ttl, "0 1 465" + target});
  out.push_back({"_submission._tcp", "SRV", ttl, "0 1 587" + target});
  out.push_back({"_imaps._tcp", "SRV", ttl, "0 1 993" + target});
  out.push_back({"_pop3s._tcp", "SRV", ttl, "0 1 995" + target});
  out.push_back({"_imap._tcp", "SRV", ttl, "0 0 0 ."});
  out.push_back({"_pop3._tcp", "SRV", ttl, "0 0 0 ."});
  // Mail client set-up (mailclient.ensure): served by the mail node itself, whose listeners the
  // documents describe.
  for (const char* name : {"autoconfig", "autodiscover"}) {
    if (!node.ipv4.empty()) out.push_back({name, "A", ttl, node.ipv4});
    if (!node.ipv6.empty()) out.push_back({name, "AAAA", ttl, node.ipv6});
  }
  return out;
}

std::string Beneath(const std::string& name, const std::string& at) {
  if (at == "@") return name;
  if (name == "@") return at;
  return name + "." + at;
}

}  // namespace hostplane::controller
