#include "agent/drivers/nginx/mail_client_config.h"

#include <libxml/xmlwriter.h>

#include <memory>
#include <string_view>
#include <vector>

#include "protocol/mail_submission_spec.h"
#include "protocol/validate.h"

namespace hostplane::agent {
namespace {

Status CanonicalName(const std::string& field, const std::string& value) {
  auto checked = protocol::CheckDomain(value);
  if (!checked) {
    return Fail(Error::InvalidField(field, checked.error().code, checked.error().message));
  }
  if (*checked != value) {
    return Fail(Error::InvalidField(field, "domain.not_canonical",
                                    field + " is not a domain name in canonical form"));
  }
  return Ok();
}

// A document written through libxml2's xmlTextWriter into memory. Every call's failure is kept;
// Finish reports the first.
class XmlDocument {
 public:
  XmlDocument()
      : buffer_(xmlBufferCreate(), xmlBufferFree),
        writer_(buffer_ ? xmlNewTextWriterMemory(buffer_.get(), 0) : nullptr, xmlFreeTextWriter) {
    ok_ = writer_ != nullptr;
    if (ok_) {
      Check(xmlTextWriterSetIndent(writer_.get(), 1));
      Check(xmlTextWriterSetIndentString(writer_.get(), BAD_CAST "  "));
      Check(xmlTextWriterStartDocument(writer_.get(), "1.0", "UTF-8", nullptr));
    }
  }
  void Start(const char* name, const char* ns = nullptr) {
    if (!ok_) return;
    Check(ns == nullptr
              ? xmlTextWriterStartElement(writer_.get(), BAD_CAST name)
              : xmlTextWriterStartElementNS(writer_.get(), nullptr, BAD_CAST name, BAD_CAST ns));
  }
  void Attribute(const char* name, const std::string& value) {
    if (ok_) {
      Check(xmlTextWriterWriteAttribute(writer_.get(), BAD_CAST name, BAD_CAST value.c_str()));
    }
  }
  void End() {
    if (ok_) Check(xmlTextWriterEndElement(writer_.get()));
  }
  // <name>text</name>, the text escaped by libxml2.
  void Element(const char* name, const std::string& text) {
    if (ok_) {
      Check(xmlTextWriterWriteElement(writer_.get(), BAD_CAST name, BAD_CAST text.c_str()));
    }
  }
  Result<std::string> Finish() {
    if (ok_) Check(xmlTextWriterEndDocument(writer_.get()));
    if (ok_) Check(xmlTextWriterFlush(writer_.get()));
    if (!ok_) return Fail(Error::Internal("libxml2 could not write the mail client document"));
    return std::string(reinterpret_cast<const char*>(xmlBufferContent(buffer_.get())),
                       static_cast<size_t>(xmlBufferLength(buffer_.get())));
  }

 private:
  void Check(int rc) {
    if (rc < 0) ok_ = false;
  }

  std::unique_ptr<xmlBuffer, void (*)(xmlBufferPtr)> buffer_;
  std::unique_ptr<xmlTextWriter, void (*)(xmlTextWriterPtr)> writer_;
  bool ok_ = false;
};

struct Listener {
  const char* type;  // ISPDB: imap, pop3, smtp
  int port;
  bool implicit_tls;  // false: STARTTLS
};

// Implicit TLS first (RFC 8314), then STARTTLS; listeners that are off are left out.
std::vector<Listener> Incoming(const MailClientServers& s) {
  std::vector<Listener> out;
  for (const Listener& l :
       {Listener{"imap", s.imaps_port, true}, Listener{"imap", s.imap_port, false},
        Listener{"pop3", s.pop3s_port, true}, Listener{"pop3", s.pop3_port, false}}) {
    if (l.port > 0) out.push_back(l);
  }
  return out;
}

std::vector<Listener> Outgoing(const MailClientServers& s) {
  std::vector<Listener> out;
  for (const Listener& l :
       {Listener{"smtp", s.smtps_port, true}, Listener{"smtp", s.submission_port, false}}) {
    if (l.port > 0) out.push_back(l);
  }
  return out;
}

constexpr const char* kAutodiscoverResponse =
    "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006";
constexpr const char* kOutlookResponse =
    "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a";

}  // namespace

Result<MailClientServers> MailClientServersOf(const std::string& domain, const MailLayout& m) {
  HP_TRY(CanonicalName("domain", domain));
  // The node's own name may be one hostplane keeps for itself (mx.hostplane.internal), which
  // CheckDomain refuses to customers: the host name grammar.
  if (!protocol::IsHostName(m.hostname)) {
    return Fail(Error::InvalidField("mail.hostname", "host_name.invalid",
                                    "the node's mail host name is not a lowercase host name"));
  }
  MailClientServers s;
  s.domain = domain;
  s.host = m.hostname;
  s.imaps_port = m.imaps_port;
  s.imap_port = m.imap_port;
  s.pop3s_port = m.pop3s_port;
  s.pop3_port = m.pop3_port;
  s.smtps_port = m.smtps_port;
  s.submission_port = m.submission_port;
  return s;
}

Result<std::string> RenderThunderbirdAutoconfig(const MailClientServers& s) {
  XmlDocument x;
  x.Start("clientConfig");
  x.Attribute("version", "1.1");
  x.Start("emailProvider");
  x.Attribute("id", s.domain);
  x.Element("domain", s.domain);
  x.Element("displayName", s.domain);
  x.Element("displayShortName", s.domain);
  auto server = [&](const char* element, const Listener& l) {
    x.Start(element);
    x.Attribute("type", l.type);
    x.Element("hostname", s.host);
    x.Element("port", std::to_string(l.port));
    x.Element("socketType", l.implicit_tls ? "SSL" : "STARTTLS");
    x.Element("authentication", "password-cleartext");
    x.Element("username", "%EMAILADDRESS%");
    x.End();
  };
  for (const auto& l : Incoming(s)) server("incomingServer", l);
  for (const auto& l : Outgoing(s)) server("outgoingServer", l);
  x.End();
  x.End();
  return x.Finish();
}

Result<std::string> RenderOutlookAutodiscover(const MailClientServers& s) {
  XmlDocument x;
  x.Start("Autodiscover", kAutodiscoverResponse);
  x.Start("Response", kOutlookResponse);
  x.Start("Account");
  x.Element("AccountType", "email");
  x.Element("Action", "settings");
  auto protocol = [&](const Listener& l) {
    x.Start("Protocol");
    x.Element("Type", l.type == std::string_view("imap")   ? "IMAP"
                      : l.type == std::string_view("pop3") ? "POP3"
                                                           : "SMTP");
    x.Element("Server", s.host);
    x.Element("Port", std::to_string(l.port));
    x.Element("DomainRequired", "off");
    x.Element("SPA", "off");
    // Outlook's schema: SSL on is implicit TLS; Encryption TLS is STARTTLS.
    if (l.implicit_tls) {
      x.Element("SSL", "on");
    } else {
      x.Element("SSL", "off");
      x.Element("Encryption", "TLS");
    }
    x.Element("AuthRequired", "on");
    x.End();
  };
  for (const auto& l : Incoming(s)) protocol(l);
  for (const auto& l : Outgoing(s)) protocol(l);
  x.End();
  x.End();
  x.End();
  return x.Finish();
}

}  // namespace hostplane::agent
