#include "controller/auth/source_address.h"

#include <arpa/inet.h>

#include <cstring>

namespace hostplane::auth {
namespace {

void MaskBits(unsigned char* bytes, int total_bits, int keep_bits) {
  for (int bit = keep_bits; bit < total_bits; ++bit) {
    bytes[bit / 8] &= static_cast<unsigned char>(~(0x80u >> (bit % 8)));
  }
}

int Clamp(int v, int max) { return v < 0 ? 0 : (v > max ? max : v); }

}  // namespace

Result<std::string> SourcePrefix(std::string_view address, PrefixLengths lengths) {
  std::string text(address);
  if (text.empty() || text.size() > INET6_ADDRSTRLEN || text.find('\0') != std::string::npos) {
    return Fail(Error::InvalidField("source", "source.invalid_address",
                                    "The client address is not an IP address."));
  }
  unsigned char v4[4];
  unsigned char v6[16];
  char out[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, text.c_str(), v4) == 1) {
    // handled below
  } else if (inet_pton(AF_INET6, text.c_str(), v6) == 1) {
    static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(v6, kMapped, sizeof kMapped) == 0) {
      std::memcpy(v4, v6 + 12, 4);
    } else {
      int bits = Clamp(lengths.v6, 128);
      MaskBits(v6, 128, bits);
      inet_ntop(AF_INET6, v6, out, sizeof out);
      return std::string(out) + "/" + std::to_string(bits);
    }
  } else {
    return Fail(Error::InvalidField("source", "source.invalid_address",
                                    "The client address is not an IP address."));
  }
  int bits = Clamp(lengths.v4, 32);
  MaskBits(v4, 32, bits);
  inet_ntop(AF_INET, v4, out, sizeof out);
  return std::string(out) + "/" + std::to_string(bits);
}

}  // namespace hostplane::auth
