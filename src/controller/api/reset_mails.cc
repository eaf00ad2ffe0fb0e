#include "controller/api/reset_mails.h"

#include "common/clock.h"
#include "common/mail/mail_message.h"

namespace hostplane::controller {
namespace {

std::string DomainOf(const std::string& address) {
  const size_t at = address.rfind('@');
  return at == std::string::npos ? address : address.substr(at + 1);
}

Result<mail::OutboxEntry> Entry(const LoginOptions& options, const User& u,
                                const std::string& subject, const std::string& body,
                                int64_t now_ms) {
  mail::MailMessage m;
  m.from = {options.company, options.mail_from};
  m.to = {{u.name, u.email}};
  m.subject = subject;
  m.text_body = body;
  HP_ASSIGN_OR_RETURN(m.message_id, mail::NewMessageId(DomainOf(options.mail_from)));
  m.date_ms = now_ms;
  HP_ASSIGN_OR_RETURN(std::string bytes, mail::RenderMessage(m));
  mail::OutboxEntry e;
  e.message_id = m.message_id;
  e.envelope = {options.mail_from, {u.email}};
  e.bytes = std::move(bytes);
  e.next_attempt_ms = now_ms;
  return e;
}

std::string Greeting(const User& u) { return "Hello " + (u.name.empty() ? u.login : u.name); }

}  // namespace

Result<mail::OutboxEntry> ResetLinkMail(const LoginOptions& options, const User& u,
                                        const std::string& url, int64_t now_ms) {
  const int64_t minutes = options.reset_link_ttl.count() / 60;
  const std::string body =
      Greeting(u) + ",\n\nsomeone (we hope you) asked to set a new password for the login '" +
      u.login + "'.\n\nSet it here (the link works once and expires in " + std::to_string(minutes) +
      " minutes):\n" + url +
      "\n\nIf you did not ask, ignore this mail: your password stays as it is.\n\n" +
      options.company + "\n";
  return Entry(options, u, "Set a new password for " + u.login, body, now_ms);
}

Result<mail::OutboxEntry> PasswordSetNotice(const LoginOptions& options, const User& u,
                                            const std::string& source, int64_t now_ms) {
  const std::string body =
      Greeting(u) + ",\n\nthe password of the login '" + u.login + "' was set at " +
      FormatTimestamp(now_ms) + " through a link mailed to this address (from " + source +
      "). Every other session of the login has ended.\n\nIf this was not you, ask for a new "
      "link at once and tell us.\n\n" +
      options.company + "\n";
  return Entry(options, u, "The password of " + u.login + " was set", body, now_ms);
}

Result<mail::OutboxEntry> LockoutNotice(const LoginOptions& options, const User& u,
                                        const std::string& source, int failures,
                                        std::chrono::seconds window, int64_t now_ms) {
  const std::string body =
      Greeting(u) + ",\n\n" + std::to_string(failures) +
      " logins with a wrong password were tried " + "for the login '" + u.login +
      "' from the address " + source + " within " + std::to_string(window.count() / 60) +
      " minutes, up to " + FormatTimestamp(now_ms) +
      ". That address is refused for this login for a while; you can still log in from "
      "anywhere else.\n\nIf this was you, wait a little and try again (or ask for a new "
      "password). If it was not, someone may be guessing your password: choose a long one and "
      "turn on a second factor.\n\n" +
      options.company + "\n";
  return Entry(options, u, "Failed logins to " + u.login, body, now_ms);
}

}  // namespace hostplane::controller
