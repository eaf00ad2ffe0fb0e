#pragma once

// QR codes for TOTP enrolment: libqrencode makes the module matrix (byte mode, error correction
// level M, the smallest version that fits), and ToSvg draws it as one SVG path the panel can show
// inline or as an <img> (no script, no external reference, a 4-module quiet zone). Pure functions.

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace hostplane::auth {

struct QrMatrix {
  int width = 0;           // modules per side, quiet zone excluded
  std::vector<bool> dark;  // row-major, width * width

  bool at(int x, int y) const { return dark[static_cast<size_t>(y) * width + x]; }
};

// Errors: kInvalid when text is empty, holds a NUL, or is too long for a QR code (libqrencode's
// ERANGE, about 2,300 bytes at level M); kInternal for its other failures (out of memory).
[[nodiscard]] Result<QrMatrix> EncodeQr(std::string_view text);

// <svg xmlns=... viewBox="0 0 N N" width=N*scale ...><path d="M..h1v1h-1z..."/></svg>, black
// modules on a white background.
std::string ToSvg(const QrMatrix& qr, int scale = 4);

}  // namespace hostplane::auth
