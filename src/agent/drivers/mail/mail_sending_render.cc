#include "agent/drivers/mail/mail_sending_render.h"

#include <fmt/format.h>

#include <map>
#include <set>

#include "common/passwd/service_password.h"
#include "protocol/messages.h"

namespace hostplane::agent {

using protocol::Json;

std::string RenderSenderLogins(const protocol::MailDomainSpec& spec) {
  // address -> the logins that may use it, in a stable order. An address of another domain (a
  // mailbox allowed to send as it) gets its line here too: Assemble merges the lines of one
  // address from every fragment.
  std::map<std::string, std::set<std::string>> owners;
  for (const auto& m : spec.mailboxes) {
    const std::string own = m.local + "@" + spec.domain;
    owners[own].insert(own);
    for (const auto& other : m.send_as) owners[other].insert(own);
  }
  std::string out;
  for (const auto& [address, logins] : owners) {
    std::string list;
    for (const auto& l : logins) list += (list.empty() ? "" : ", ") + l;
    out += address + " " + list + "\n";
  }
  return out;
}

std::string RenderAccountSenderLogins(const protocol::MailAccountSpec& spec) {
  if (spec.submission_password_hash.empty()) return {};
  std::string out;
  for (const auto& d : spec.sender_domains) out += "@" + d + " " + spec.account + "\n";
  return out;
}

std::string RenderDomainPolicy(const protocol::MailDomainSpec& spec) {
  Json mailboxes = Json::array();
  for (const auto& m : spec.mailboxes) mailboxes.push_back(m.local + "@" + spec.domain);
  Json forwarders = Json::object();
  for (const auto& f : spec.forwarders) forwarders[f.local + "@" + spec.domain] = f.targets;
  return Json{{"domain", spec.domain},
              {"account", spec.account},
              {"message_size_mb", spec.message_size_mb},
              {"mailboxes", mailboxes},
              {"forwarders", forwarders},
              {"catch_all", spec.catch_all}}
             .dump() +
         "\n";
}

std::string RenderAccountPolicy(const protocol::MailAccountSpec& spec) {
  return Json{{"account", spec.account},
              {"status", spec.status},
              {"unlimited", spec.unlimited_sending},
              {"messages_per_hour", spec.unlimited_sending ? 0 : spec.messages_per_hour},
              {"app_login", !spec.submission_password_hash.empty()}}
             .dump() +
         "\n";
}

Result<std::string> RenderAccountPasswd(const protocol::MailAccountSpec& spec) {
  if (spec.submission_password_hash.empty()) return std::string();
  // Checked again: this line is where a ':' or a newline would become a second login.
  if (!IsServicePasswordHash(spec.submission_password_hash)) {
    return Fail(Error::InvalidField("submission_password_hash", "password_hash.invalid",
                                    "the submission password hash is not a crypt hash"));
  }
  return fmt::format("{}:{{CRYPT}}{}::::::{}\n", spec.account, spec.submission_password_hash,
                     spec.status == "active" ? "" : "nologin");
}

std::string SieveString(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string RenderSieveScript(const protocol::MailDomainSpec& spec, const protocol::MailboxSpec& m,
                              const std::string& spamd_socket) {
  if (!m.spam_filter && !m.autoresponder) return {};
  std::vector<std::string> require = {"fileinto", "mailbox"};
  if (m.spam_filter) require.push_back("vnd.dovecot.filter");
  if (m.autoresponder) require.push_back("vacation");
  const bool dated =
      m.autoresponder && (!m.autoresponder->start.empty() || !m.autoresponder->end.empty());
  if (dated) {
    require.push_back("date");
    require.push_back("relational");
  }
  std::string out =
      fmt::format("# managed by hostplane: Sieve of {}@{}; edits are overwritten\nrequire [",
                  m.local, spec.domain);
  for (size_t i = 0; i < require.size(); ++i) out += (i ? ", " : "") + SieveString(require[i]);
  out += "];\n";
  if (m.spam_filter) {
    out += "filter \"spamc\" [\"-U\", " + SieveString(spamd_socket) +
           "];\n"
           "if header :contains \"X-Spam-Flag\" \"YES\" {\n"
           "  fileinto :create \"Junk\";\n"
           "  stop;\n"
           "}\n";
  }
  if (m.autoresponder) {
    const auto& a = *m.autoresponder;
    std::string addresses = SieveString(m.local + "@" + spec.domain);
    for (const auto& other : m.send_as) addresses += ", " + SieveString(other);
    std::string reply = fmt::format("vacation :days {} :subject {} :addresses [{}] {};\n", a.days,
                                    SieveString(a.subject), addresses, SieveString(a.body));
    if (dated) {
      std::vector<std::string> tests;
      if (!a.start.empty()) {
        tests.push_back("currentdate :value \"ge\" \"date\" " + SieveString(a.start));
      }
      if (!a.end.empty())
        tests.push_back("currentdate :value \"le\" \"date\" " + SieveString(a.end));
      std::string all;
      for (size_t i = 0; i < tests.size(); ++i) all += (i ? ", " : "") + tests[i];
      out += "if allof(" + all + ") {\n  " + reply + "}\n";
    } else {
      out += reply;
    }
  }
  return out;
}

}  // namespace hostplane::agent
