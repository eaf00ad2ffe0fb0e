#include "controller/auth/qr_code.h"

#include <qrencode.h>

#include <cerrno>
#include <memory>

namespace hostplane::auth {
namespace {

constexpr int kQuietZone = 4;  // modules of white around the code (ISO/IEC 18004)

}  // namespace

Result<QrMatrix> EncodeQr(std::string_view text) {
  if (text.empty() || text.find('\0') != std::string_view::npos) {
    return Fail(Error::Invalid("a QR code needs non-empty text without NUL"));
  }
  std::string copy(text);
  errno = 0;
  std::unique_ptr<QRcode, decltype(&QRcode_free)> code(
      QRcode_encodeString8bit(copy.c_str(), 0, QR_ECLEVEL_M), &QRcode_free);
  if (!code) {
    if (errno == ERANGE) return Fail(Error::Invalid("the text is too long for a QR code"));
    return Fail(Error::Internal("libqrencode could not encode the text"));
  }
  QrMatrix m;
  m.width = code->width;
  m.dark.resize(static_cast<size_t>(m.width) * m.width);
  for (size_t i = 0; i < m.dark.size(); ++i) m.dark[i] = (code->data[i] & 1) != 0;
  return m;
}

std::string ToSvg(const QrMatrix& qr, int scale) {
  if (scale < 1) scale = 1;
  int side = qr.width + 2 * kQuietZone;
  std::string px = std::to_string(side * scale);
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " +
                    std::to_string(side) + " " + std::to_string(side) + "\" width=\"" + px +
                    "\" height=\"" + px + "\" shape-rendering=\"crispEdges\"><rect width=\"" +
                    std::to_string(side) + "\" height=\"" + std::to_string(side) +
                    "\" fill=\"#fff\"/><path fill=\"#000\" d=\"";
  for (int y = 0; y < qr.width; ++y) {
    for (int x = 0; x < qr.width; ++x) {
      if (!qr.at(x, y)) continue;
      out +=
          "M" + std::to_string(x + kQuietZone) + " " + std::to_string(y + kQuietZone) + "h1v1h-1z";
    }
  }
  out += "\"/></svg>";
  return out;
}

}  // namespace hostplane::auth
