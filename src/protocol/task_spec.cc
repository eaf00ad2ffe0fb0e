#include "protocol/task_spec.h"

#include <utility>

#include "protocol/account_spec.h"
#include "protocol/cert_spec.h"
#include "protocol/content.h"
#include "protocol/database_spec.h"
#include "protocol/ftp_spec.h"
#include "protocol/mail_account_spec.h"
#include "protocol/mail_client_spec.h"
#include "protocol/mail_spec.h"
#include "protocol/site_settings.h"
#include "protocol/validate.h"
#include "protocol/zone_spec.h"

namespace hostplane::protocol {
namespace {

using Check = Status (*)(const Json& spec, UnknownMembers unknown);

// Decoder turns the decoder of one spec type into a Check (the value is not needed here).
template <auto Decode>
Status Decoder(const Json& spec, UnknownMembers unknown) {
  auto decoded = Decode(spec, unknown);
  if (!decoded) return Fail(std::move(decoded.error()));
  return Ok();
}

// A site's spec carries its web settings too, read by their own decoder.
Status SiteEnsure(const Json& spec, UnknownMembers unknown) {
  HP_TRY(Decoder<SiteSpecFromJson>(spec, unknown));
  auto settings = SiteSettingsOfSpec(spec);
  if (!settings) return Fail(std::move(settings.error()));
  return Ok();
}

struct KindDecoder {
  const char* kind;
  Check check;
};

constexpr KindDecoder kDecoders[] = {
    {kSiteEnsure, SiteEnsure},
    {kSiteRemove, Decoder<SiteRemovalFromJson>},
    {kAccountEnsure, Decoder<AccountSpecFromJson>},
    {kAccountRemove, Decoder<AccountRemovalFromJson>},
    {kCertEnsure, Decoder<CertSpecFromJson>},
    {kCertRemove, Decoder<CertRemovalFromJson>},
    {kContentExport, Decoder<ContentExportSpecFromJson>},
    {kContentImport, Decoder<ContentImportSpecFromJson>},
    {kDatabaseEnsure, Decoder<DatabaseSpecFromJson>},
    {kDatabaseRemove, Decoder<DatabaseRemovalFromJson>},
    {kFtpUserEnsure, Decoder<FtpUserSpecFromJson>},
    {kFtpUserRemove, Decoder<FtpUserRemovalFromJson>},
    {kMailAccountEnsure, Decoder<MailAccountSpecFromJson>},
    {kMailAccountRemove, Decoder<MailAccountRemovalFromJson>},
    {kMailClientEnsure, Decoder<MailClientSpecFromJson>},
    {kMailClientRemove, Decoder<MailClientSpecFromJson>},
    {kMailDomainEnsure, Decoder<MailDomainSpecFromJson>},
    {kMailDomainRemove, Decoder<MailDomainRemovalFromJson>},
    {kZoneEnsure, Decoder<ZoneSpecFromJson>},
    {kZoneRemove, Decoder<ZoneRemovalFromJson>},
};

}  // namespace

Status CheckTaskSpec(const Task& t, UnknownMembers unknown) {
  for (const KindDecoder& d : kDecoders) {
    if (t.kind == d.kind) return d.check(t.spec, unknown);
  }
  return Fail(Error::NotFound("no spec decoder for kind " + QuoteForMessage(t.kind)));
}

std::vector<std::string> TaskSpecKinds() {
  std::vector<std::string> kinds;
  for (const KindDecoder& d : kDecoders) kinds.emplace_back(d.kind);
  return kinds;
}

}  // namespace hostplane::protocol
