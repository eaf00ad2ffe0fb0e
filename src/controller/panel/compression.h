#pragma once

// Compression of the panel's files, done once when they are loaded (PanelFiles::Load) so that
// no request pays for it: gzip through zlib and brotli through libbrotlienc, both at their best
// ratio. Pure functions; any thread.

#include <string>
#include <string_view>

#include "common/result.h"

namespace hostplane::controller {

// RFC 1952 gzip of data at level 9. Errors: kInternal when zlib fails (out of memory).
[[nodiscard]] Result<std::string> GzipCompress(std::string_view data);

// RFC 7932 brotli of data at quality 11, text mode. Errors: kInternal when the encoder fails.
[[nodiscard]] Result<std::string> BrotliCompress(std::string_view data);

// True when a request's Accept-Encoding accepts the content coding ("br", "gzip"): named with a
// q value above 0, or covered by "*" with one. Codings compare without case.
bool AcceptsEncoding(std::string_view accept_encoding, std::string_view coding);

}  // namespace hostplane::controller
