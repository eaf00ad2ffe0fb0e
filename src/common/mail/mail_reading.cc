#include "common/mail/mail_reading.h"

#include <gmime/gmime.h>

#include <memory>
#include <mutex>

namespace hostplane::mail {
namespace {

struct Unref {
  void operator()(gpointer p) const {
    if (p != nullptr) g_object_unref(p);
  }
};
using GPtr = std::unique_ptr<void, Unref>;

}  // namespace

Result<std::string> TextBodyOf(std::string_view message) {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
  GPtr stream(g_mime_stream_mem_new_with_buffer(message.data(), message.size()));
  GPtr parser(g_mime_parser_new_with_stream(GMIME_STREAM(stream.get())));
  GPtr parsed(g_mime_parser_construct_message(GMIME_PARSER(parser.get()), nullptr));
  if (!parsed) return Fail(Error::Invalid("the bytes are not a mail message"));
  GMimeObject* body = g_mime_message_get_body(GMIME_MESSAGE(parsed.get()));
  if (body != nullptr && GMIME_IS_MULTIPART(body)) {
    body = g_mime_multipart_get_part(GMIME_MULTIPART(body), 0);
  }
  if (body == nullptr || !GMIME_IS_TEXT_PART(body)) {
    return Fail(Error::Invalid("the message has no text part"));
  }
  char* text = g_mime_text_part_get_text(GMIME_TEXT_PART(body));
  if (text == nullptr) return Fail(Error::Invalid("the text part cannot be decoded"));
  std::string out(text);
  g_free(text);
  return out;
}

}  // namespace hostplane::mail
