#include "protocol/mail_client_spec.h"

#include "protocol/spec_reader.h"
#include "protocol/validate.h"

namespace hostplane::protocol {

Json ToJson(const MailClientSpec& s) { return Json{{"domain", s.domain}, {"account", s.account}}; }

Result<MailClientSpec> MailClientSpecFromJson(const Json& j, UnknownMembers unknown) {
  if (!j.is_object()) {
    return Fail(Error::Invalid("MailClientSpec: the spec must be a JSON object"));
  }
  FieldErrors errors;
  SpecReader r(j, errors, "", unknown);
  MailClientSpec s;
  s.domain = r.Canonical("domain", CheckDomain, "domain");
  s.account = r.Canonical("account", CheckLoginGrammar, "login");
  r.RecordUnknown();
  if (!errors.empty()) return Fail(errors.ToError());
  return s;
}

}  // namespace hostplane::protocol
