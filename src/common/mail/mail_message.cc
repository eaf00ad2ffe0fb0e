#include "common/mail/mail_message.h"

#include <gmime/gmime.h>

#include <memory>
#include <mutex>

#include "common/crypto.h"

namespace hostplane::mail {
namespace {

void InitGMime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

template <typename T>
struct GObjectUnref {
  void operator()(T* p) const {
    if (p != nullptr) g_object_unref(p);
  }
};
template <typename T>
using GPtr = std::unique_ptr<T, GObjectUnref<T>>;

Error Invalid(std::string field, const char* code, std::string message) {
  return Error::InvalidField(std::move(field), code, std::move(message));
}

bool ValidAddress(std::string_view a) {
  auto at = a.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= a.size() || a.size() > 254 ||
      a.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  for (unsigned char c : a) {
    if (c <= 0x20 || c >= 0x7f) return false;
    if (std::string_view("<>()[]\\,;:\"").find(static_cast<char>(c)) != std::string_view::npos) {
      return false;
    }
  }
  return true;
}

bool HasControl(std::string_view s, bool allow_newlines) {
  for (unsigned char c : s) {
    if (allow_newlines && (c == '\n' || c == '\r' || c == '\t')) continue;
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

bool ValidMessageId(std::string_view id) {
  auto at = id.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= id.size() || id.size() > 200) {
    return false;
  }
  for (size_t i = 0; i < id.size(); ++i) {
    char c = id[i];
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    bool ok = alnum || c == '.' || c == '-' || c == '_' || (c == '@' && i == at);
    if (!ok) return false;
  }
  return true;
}

Status CheckMailbox(const MailAddress& a, const std::string& field) {
  if (!ValidAddress(a.address)) {
    return Fail(Invalid(field + ".address", "mail.address_invalid",
                        "The address is not of the form local@domain."));
  }
  if (HasControl(a.display_name, false)) {
    return Fail(Invalid(field + ".display_name", "mail.header_control_character",
                        "The name contains a control character."));
  }
  if (!g_utf8_validate(a.display_name.data(), static_cast<gssize>(a.display_name.size()),
                       nullptr)) {
    return Fail(Invalid(field + ".display_name", "mail.invalid_utf8", "The name is not UTF-8."));
  }
  return Ok();
}

// CRLF line ends to LF, so the body is the same whatever the caller wrote: GMime's DOS newline
// format turns every LF into CRLF on output, and would turn CRLF into CRCRLF.
std::string NormaliseLineEnds(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 40);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    if (text[i] == '\n') {
      out += "\n";
      continue;
    }
    out.push_back(text[i]);
  }
  return out;
}

// A display name is encoded as UTF-8 (GMime would otherwise pick the smallest charset that
// fits, e.g. ISO-8859-1 for "Zoë").
void AddMailbox(InternetAddressList* list, const MailAddress& a) {
  InternetAddress* ia = internet_address_mailbox_new(
      a.display_name.empty() ? nullptr : a.display_name.c_str(), a.address.c_str());
  internet_address_set_charset(ia, "utf-8");
  internet_address_list_add(list, ia);
  g_object_unref(ia);
}

}  // namespace

Result<std::string> NewMessageId(std::string_view domain) {
  bool ok = !domain.empty() && domain.size() <= 253;
  for (char c : domain) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-');
  }
  if (!ok) return Fail(Error::Invalid("a Message-ID domain is [a-z0-9.-]"));
  return RandomHex(16) + "@" + std::string(domain);
}

Result<std::string> RenderMessage(const MailMessage& m) {
  InitGMime();
  HP_TRY(CheckMailbox(m.from, "from"));
  if (m.to.empty()) {
    return Fail(Invalid("to", "mail.no_recipient", "A message needs at least one recipient."));
  }
  for (size_t i = 0; i < m.to.size(); ++i) {
    HP_TRY(CheckMailbox(m.to[i], "to[" + std::to_string(i) + "]"));
  }
  if (HasControl(m.subject, false)) {
    return Fail(Invalid("subject", "mail.header_control_character",
                        "The subject contains a control character (a line break?)."));
  }
  if (!g_utf8_validate(m.subject.data(), static_cast<gssize>(m.subject.size()), nullptr)) {
    return Fail(Invalid("subject", "mail.invalid_utf8", "The subject is not UTF-8."));
  }
  if (!g_utf8_validate(m.text_body.data(), static_cast<gssize>(m.text_body.size()), nullptr) ||
      HasControl(m.text_body, true)) {
    return Fail(Invalid("text_body", "mail.invalid_utf8",
                        "The body is not UTF-8 text without control characters."));
  }
  if (!ValidMessageId(m.message_id)) {
    return Fail(Invalid("message_id", "mail.message_id_invalid",
                        "The Message-ID is not of the form id@domain."));
  }

  GPtr<GMimeMessage> message(g_mime_message_new(TRUE));
  AddMailbox(g_mime_message_get_from(message.get()), m.from);
  for (const auto& to : m.to) AddMailbox(g_mime_message_get_to(message.get()), to);
  g_mime_message_set_subject(message.get(), m.subject.c_str(), "utf-8");
  g_mime_message_set_message_id(message.get(), m.message_id.c_str());
  std::unique_ptr<GDateTime, decltype(&g_date_time_unref)> date(
      g_date_time_new_from_unix_utc(m.date_ms / 1000), &g_date_time_unref);
  g_mime_message_set_date(message.get(), date.get());
  if (m.auto_generated) {
    g_mime_object_set_header(GMIME_OBJECT(message.get()), "Auto-Submitted", "auto-generated",
                             nullptr);
  }

  std::string body = NormaliseLineEnds(m.text_body);
  GPtr<GMimeTextPart> part(g_mime_text_part_new_with_subtype("plain"));
  GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(body.data(), body.size()));
  GPtr<GMimeDataWrapper> content(
      g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
  g_mime_part_set_content(GMIME_PART(part.get()), content.get());
  g_mime_object_set_content_type_parameter(GMIME_OBJECT(part.get()), "charset", "utf-8");
  g_mime_part_set_content_encoding(GMIME_PART(part.get()), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
  g_mime_message_set_mime_part(message.get(), GMIME_OBJECT(part.get()));

  GMimeFormatOptions* options = g_mime_format_options_new();
  g_mime_format_options_set_newline_format(options, GMIME_NEWLINE_FORMAT_DOS);
  char* text = g_mime_object_to_string(GMIME_OBJECT(message.get()), options);
  g_mime_format_options_free(options);
  if (text == nullptr) return Fail(Error::Internal("GMime could not write the message"));
  std::string out(text);
  g_free(text);
  return out;
}

}  // namespace hostplane::mail
