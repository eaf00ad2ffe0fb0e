#pragma once

// Reading a message back (RFC 5322 bytes, as RenderMessage writes them): its text body, decoded
// from its transfer encoding by GMime. For the tests that read mails from the outbox or a
// mailbox, and for showing a queued mail to an administrator. Any thread.

#include <string>
#include <string_view>

#include "common/result.h"

namespace hostplane::mail {

// The decoded text of the message's text/plain part (the whole message or its first text part).
// Errors: kInvalid when the bytes are not a message or it has no text part.
[[nodiscard]] Result<std::string> TextBodyOf(std::string_view message);

}  // namespace hostplane::mail
