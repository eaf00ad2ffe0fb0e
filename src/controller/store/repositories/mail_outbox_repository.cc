#include "controller/store/repositories/mail_outbox_repository.h"

#include <nlohmann/json.hpp>

namespace hostplane::controller {
namespace {

constexpr const char* kColumns =
    "id, message_id, envelope_from, envelope_to, bytes, state, attempts, created_at, "
    "next_attempt_at, sent_at, last_error";

Result<mail::OutboxEntry> EntryFromRow(const sql::Row& row) {
  mail::OutboxEntry e;
  e.id = row.Int("id");
  e.message_id = row.Text("message_id");
  e.envelope.mail_from = row.Text("envelope_from");
  const auto to = nlohmann::json::parse(row.Text("envelope_to"), nullptr, false);
  if (to.is_array()) {
    for (const auto& a : to) {
      if (a.is_string()) e.envelope.rcpt_to.push_back(a.get<std::string>());
    }
  }
  e.bytes = row.Text("bytes");
  const std::string state = row.Text("state");
  e.state = state == "sent"     ? mail::OutboxState::kSent
            : state == "failed" ? mail::OutboxState::kFailed
                                : mail::OutboxState::kPending;
  e.attempts = static_cast<int>(row.Int("attempts"));
  e.created_at_ms = row.Int("created_at");
  e.next_attempt_ms = row.Int("next_attempt_at");
  e.sent_at_ms = row.Int("sent_at");
  e.last_error = row.Text("last_error");
  return e;
}

}  // namespace

Result<int64_t> MailOutboxRepository::Enqueue(const mail::OutboxEntry& e) {
  HP_TRY(sql::Exec(db_,
                   "INSERT INTO mail_outbox (message_id, envelope_from, envelope_to, bytes, "
                   "created_at, next_attempt_at) VALUES (:mid, :from, :to, :bytes, :now, :next) "
                   "ON CONFLICT (message_id) DO NOTHING",
                   {{"mid", e.message_id},
                    {"from", e.envelope.mail_from},
                    {"to", nlohmann::json(e.envelope.rcpt_to).dump()},
                    {"bytes", e.bytes},
                    {"now", clock_.NowMillis()},
                    {"next", e.next_attempt_ms}}));
  return sql::Scalar(db_, "SELECT id FROM mail_outbox WHERE message_id = :mid",
                     {{"mid", e.message_id}}, "id");
}

Result<std::optional<mail::OutboxEntry>> MailOutboxRepository::FindByMessageId(
    const std::string& message_id) {
  return sql::One<mail::OutboxEntry>(
      db_, std::string("SELECT ") + kColumns + " FROM mail_outbox WHERE message_id = :mid",
      {{"mid", message_id}}, &EntryFromRow);
}

Result<std::vector<mail::OutboxEntry>> MailOutboxRepository::ListTo(const std::string& address) {
  return sql::Many<mail::OutboxEntry>(
      db_,
      std::string("SELECT ") + kColumns +
          " FROM mail_outbox WHERE EXISTS (SELECT 1 FROM json_each(envelope_to) "
          "WHERE value = :address) ORDER BY id",
      {{"address", address}}, &EntryFromRow);
}

Result<std::vector<mail::OutboxEntry>> MailOutboxRepository::Due(int64_t now_ms, size_t limit) {
  return sql::Many<mail::OutboxEntry>(
      db_,
      std::string("SELECT ") + kColumns +
          " FROM mail_outbox WHERE state = 'pending' AND next_attempt_at <= :now "
          "ORDER BY next_attempt_at, id LIMIT :limit",
      {{"now", now_ms}, {"limit", static_cast<int64_t>(limit)}}, &EntryFromRow);
}

Result<std::optional<int64_t>> MailOutboxRepository::NextAttempt() {
  return sql::One<int64_t>(
      db_,
      "SELECT next_attempt_at FROM mail_outbox WHERE state = 'pending' "
      "ORDER BY next_attempt_at LIMIT 1",
      {}, +[](const sql::Row& row) -> Result<int64_t> { return row.Int("next_attempt_at"); });
}

Status MailOutboxRepository::MarkSent(int64_t id, int attempts, int64_t at_ms) {
  return sql::ExecOne(db_,
                      "UPDATE mail_outbox SET state = 'sent', attempts = :attempts, sent_at = :at "
                      "WHERE id = :id",
                      {{"attempts", attempts}, {"at", at_ms}, {"id", id}},
                      Error::NotFound("outbox entry " + std::to_string(id)));
}

Status MailOutboxRepository::MarkRetry(int64_t id, int attempts, int64_t next_attempt_ms,
                                       const std::string& error) {
  return sql::ExecOne(
      db_,
      "UPDATE mail_outbox SET attempts = :attempts, next_attempt_at = :next, "
      "last_error = :error WHERE id = :id",
      {{"attempts", attempts}, {"next", next_attempt_ms}, {"error", error}, {"id", id}},
      Error::NotFound("outbox entry " + std::to_string(id)));
}

Status MailOutboxRepository::MarkFailed(int64_t id, int attempts, const std::string& error) {
  return sql::ExecOne(db_,
                      "UPDATE mail_outbox SET state = 'failed', attempts = :attempts, "
                      "last_error = :error WHERE id = :id",
                      {{"attempts", attempts}, {"error", error}, {"id", id}},
                      Error::NotFound("outbox entry " + std::to_string(id)));
}

}  // namespace hostplane::controller
