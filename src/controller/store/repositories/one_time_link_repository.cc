#include "controller/store/repositories/one_time_link_repository.h"

namespace hostplane::controller {
namespace {

std::string_view PurposeName(auth::LinkPurpose p) {
  switch (p) {
    case auth::LinkPurpose::kPasswordReset:
      return "password_reset";
    case auth::LinkPurpose::kEmailConfirmation:
      return "email_confirmation";
    case auth::LinkPurpose::kOrder:
      return "order";
  }
  return "";
}

Result<auth::OneTimeRecord> RecordFromRow(const sql::Row& row) {
  auth::OneTimeRecord r;
  r.hash = row.Text("hash");
  const std::string purpose = row.Text("purpose");
  r.purpose = purpose == "order"                ? auth::LinkPurpose::kOrder
              : purpose == "email_confirmation" ? auth::LinkPurpose::kEmailConfirmation
                                                : auth::LinkPurpose::kPasswordReset;
  r.subject = row.Text("subject");
  r.created_at_ms = row.Int("created_at");
  r.expires_at_ms = row.Int("expires_at");
  return r;
}

}  // namespace

Status OneTimeLinkRepository::Insert(const auth::OneTimeRecord& r) {
  return sql::Exec(db_,
                   "INSERT INTO one_time_links (hash, purpose, subject, created_at, expires_at) "
                   "VALUES (:hash, :purpose, :subject, :created, :expires)",
                   {{"hash", r.hash},
                    {"purpose", PurposeName(r.purpose)},
                    {"subject", r.subject},
                    {"created", r.created_at_ms},
                    {"expires", r.expires_at_ms}});
}

Result<std::optional<auth::OneTimeRecord>> OneTimeLinkRepository::Find(const std::string& hash,
                                                                       auth::LinkPurpose purpose) {
  return sql::One<auth::OneTimeRecord>(
      db_,
      "SELECT hash, purpose, subject, created_at, expires_at FROM one_time_links "
      "WHERE hash = :hash AND purpose = :purpose",
      {{"hash", hash}, {"purpose", PurposeName(purpose)}}, &RecordFromRow);
}

Result<bool> OneTimeLinkRepository::Remove(const std::string& hash, auth::LinkPurpose purpose) {
  HP_TRY(sql::Exec(db_, "DELETE FROM one_time_links WHERE hash = :hash AND purpose = :purpose",
                   {{"hash", hash}, {"purpose", PurposeName(purpose)}}));
  return db_.Changes() == 1;
}

Status OneTimeLinkRepository::RemoveSubject(const std::string& subject, auth::LinkPurpose purpose) {
  return sql::Exec(db_,
                   "DELETE FROM one_time_links WHERE subject = :subject AND purpose = :purpose",
                   {{"subject", subject}, {"purpose", PurposeName(purpose)}});
}

Status OneTimeLinkRepository::RemoveExpired(int64_t now_ms) {
  return sql::Exec(db_, "DELETE FROM one_time_links WHERE expires_at < :now", {{"now", now_ms}});
}

Result<int64_t> OneTimeLinkRepository::CountOf(const std::string& subject,
                                               auth::LinkPurpose purpose) {
  return sql::Scalar(db_,
                     "SELECT COUNT(*) AS n FROM one_time_links WHERE subject = :subject AND "
                     "purpose = :purpose",
                     {{"subject", subject}, {"purpose", PurposeName(purpose)}}, "n");
}

}  // namespace hostplane::controller
