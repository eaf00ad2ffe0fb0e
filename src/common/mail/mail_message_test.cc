#include "common/mail/mail_message.h"

#include <gmime/gmime.h>
#include <gtest/gtest.h>

#include <memory>

namespace hostplane::mail {
namespace {

MailMessage Reset() {
  MailMessage m;
  m.from = {"Hébergement Exemple", "noreply@panel.example.com"};
  m.to = {{"Zoë Ångström", "zoe@example.org"}};
  m.subject = "Réinitialisez votre mot de passe — lien valable une heure ✓";
  m.text_body =
      "Bonjour Zoë,\n\nOuvrez ce lien pour choisir un nouveau mot de passe :\n"
      "https://panel.example.com/reset?token=hpr_abc\n\n.\nUne ligne très longue qui dépasse "
      "largement soixante-seize caractères, pour voir le quoted-printable la couper proprement "
      "sans rien perdre.\n-- \nL'équipe\n";
  m.message_id = "0123456789abcdef0123456789abcdef@panel.example.com";
  m.date_ms = 1'765'000'000'000;  // 2025-12-06T05:46:40Z
  return m;
}

// GMime's own parser reads the bytes back, as a mail client would.
struct Parsed {
  std::string subject, from, to, message_id, body, auto_submitted, content_type;
};

Parsed Parse(const std::string& bytes) {
  Parsed p;
  GMimeStream* stream = g_mime_stream_mem_new_with_buffer(bytes.data(), bytes.size());
  GMimeParser* parser = g_mime_parser_new_with_stream(stream);
  GMimeMessage* msg = g_mime_parser_construct_message(parser, nullptr);
  g_object_unref(parser);
  g_object_unref(stream);
  if (msg == nullptr) return p;
  p.subject = g_mime_message_get_subject(msg);
  char* from = internet_address_list_to_string(g_mime_message_get_from(msg), nullptr, FALSE);
  p.from = from;
  g_free(from);
  char* to = internet_address_list_to_string(g_mime_message_get_to(msg), nullptr, FALSE);
  p.to = to;
  g_free(to);
  p.message_id = g_mime_message_get_message_id(msg);
  const char* auto_submitted = g_mime_object_get_header(GMIME_OBJECT(msg), "Auto-Submitted");
  p.auto_submitted = auto_submitted ? auto_submitted : "";
  GMimeObject* part = g_mime_message_get_mime_part(msg);
  char* ct = g_mime_content_type_get_mime_type(g_mime_object_get_content_type(part));
  p.content_type = ct;
  g_free(ct);
  char* text = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
  p.body = text;
  g_free(text);
  g_object_unref(msg);
  return p;
}

TEST(MailMessage, RendersRfc5322WithEncodedHeadersAndQuotedPrintableUtf8) {
  auto bytes = RenderMessage(Reset());
  ASSERT_TRUE(bytes) << bytes.error().message;
  // Every line ends in CRLF, none is longer than 78 characters, and only ASCII goes on the wire.
  size_t start = 0;
  while (start < bytes->size()) {
    size_t end = bytes->find("\r\n", start);
    ASSERT_NE(end, std::string::npos) << "unterminated last line";
    std::string line = bytes->substr(start, end - start);
    EXPECT_EQ(line.find('\n'), std::string::npos) << "bare LF: " << line;
    EXPECT_EQ(line.find('\r'), std::string::npos) << "bare CR: " << line;
    EXPECT_LE(line.size(), 78u) << line;
    for (unsigned char c : line) EXPECT_LT(c, 0x80) << line;
    start = end + 2;
  }
  EXPECT_NE(bytes->find("Message-Id: <0123456789abcdef0123456789abcdef@panel.example.com>\r\n"),
            std::string::npos)
      << *bytes;
  EXPECT_NE(bytes->find("Date: Sat, 06 Dec 2025 05:46:40 +0000\r\n"), std::string::npos);
  EXPECT_NE(bytes->find("Subject: =?UTF-8?"), std::string::npos);
  EXPECT_NE(bytes->find("From: =?UTF-8?"), std::string::npos) << "UTF-8, not ISO-8859-1";
  EXPECT_NE(bytes->find("To: =?UTF-8?"), std::string::npos);
  EXPECT_NE(bytes->find("Content-Transfer-Encoding: quoted-printable\r\n"), std::string::npos);
  EXPECT_NE(bytes->find("charset=utf-8"), std::string::npos);
  EXPECT_NE(bytes->find("MIME-Version: 1.0\r\n"), std::string::npos);

  Parsed p = Parse(*bytes);
  EXPECT_EQ(p.subject, Reset().subject);
  EXPECT_EQ(p.message_id, Reset().message_id);
  EXPECT_EQ(p.from, "Hébergement Exemple <noreply@panel.example.com>");
  EXPECT_EQ(p.to, "Zoë Ångström <zoe@example.org>");
  EXPECT_EQ(p.auto_submitted, "auto-generated");
  EXPECT_EQ(p.content_type, "text/plain");
  std::string body = p.body;
  std::string crlf_free;
  for (size_t i = 0; i < body.size(); ++i) {
    if (!(body[i] == '\r' && i + 1 < body.size() && body[i + 1] == '\n')) crlf_free += body[i];
  }
  EXPECT_EQ(crlf_free, Reset().text_body);
}

TEST(MailMessage, TheSameMessageRendersTheSameBytes) {
  EXPECT_EQ(RenderMessage(Reset()).value(), RenderMessage(Reset()).value());
  MailMessage crlf = Reset();
  crlf.text_body = "line one\r\nline two\r\n";
  MailMessage lf = Reset();
  lf.text_body = "line one\nline two\n";
  EXPECT_EQ(RenderMessage(crlf).value(), RenderMessage(lf).value());
}

TEST(MailMessage, HeaderInjectionAndBadAddressesAreRefusedPerField) {
  struct Case {
    void (*edit)(MailMessage&);
    const char* field;
    const char* code;
  } cases[] = {
      {[](MailMessage& m) { m.subject = "Hello\r\nBcc: victim@example.net"; }, "subject",
       "mail.header_control_character"},
      {[](MailMessage& m) { m.subject = "\xff\xfe"; }, "subject", "mail.invalid_utf8"},
      {[](MailMessage& m) { m.from.display_name = "Eve\nBcc: x@y.z"; }, "from.display_name",
       "mail.header_control_character"},
      {[](MailMessage& m) { m.to[0].address = "zoe@example.org>, eve@evil.example"; },
       "to[0].address", "mail.address_invalid"},
      {[](MailMessage& m) { m.to[0].address = "zoe@example.org\r\nRCPT TO:<x@y>"; },
       "to[0].address", "mail.address_invalid"},
      {[](MailMessage& m) { m.from.address = "no-at-sign"; }, "from.address",
       "mail.address_invalid"},
      {[](MailMessage& m) { m.to.clear(); }, "to", "mail.no_recipient"},
      {[](MailMessage& m) { m.message_id = "<x@y>"; }, "message_id", "mail.message_id_invalid"},
      {[](MailMessage& m) { m.message_id = "x@y\r\nBcc: z"; }, "message_id",
       "mail.message_id_invalid"},
      {[](MailMessage& m) { m.text_body = "nul \x01 here"; }, "text_body", "mail.invalid_utf8"},
  };
  for (const auto& c : cases) {
    MailMessage m = Reset();
    c.edit(m);
    auto r = RenderMessage(m);
    ASSERT_FALSE(r) << c.field;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalid);
    EXPECT_EQ(r.error().fields.at(c.field), c.code) << c.field;
  }
}

TEST(MailMessage, MessageIds) {
  auto a = NewMessageId("panel.example.com");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->size(), 32u + 1 + 17);
  EXPECT_NE(*a, NewMessageId("panel.example.com").value());
  EXPECT_FALSE(NewMessageId(""));
  EXPECT_FALSE(NewMessageId("Panel.example.com>"));
}

}  // namespace
}  // namespace hostplane::mail
