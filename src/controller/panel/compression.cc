#include "controller/panel/compression.h"

#include <brotli/encode.h>
#include <zlib.h>

#include <cctype>
#include <cstdlib>
#include <map>

namespace hostplane::controller {

Result<std::string> GzipCompress(std::string_view data) {
  z_stream z{};
  // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
    return Fail(Error::Internal("zlib: deflateInit2 failed"));
  }
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return Fail(Error::Internal("zlib: deflate did not finish"));
  return out;
}

Result<std::string> BrotliCompress(std::string_view data) {
  size_t size = BrotliEncoderMaxCompressedSize(data.size());
  if (size == 0) size = data.size() + 1024;
  std::string out(size, '\0');
  if (!BrotliEncoderCompress(BROTLI_MAX_QUALITY, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT,
                             data.size(), reinterpret_cast<const uint8_t*>(data.data()), &size,
                             reinterpret_cast<uint8_t*>(out.data()))) {
    return Fail(Error::Internal("brotli: the encoder failed"));
  }
  out.resize(size);
  return out;
}

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The q value of one Accept-Encoding member's parameters ("q=0.5"); 1 without one.
double QValue(std::string_view params) {
  size_t pos = 0;
  while (pos < params.size()) {
    size_t semi = params.find(';', pos);
    std::string_view param = Trim(
        params.substr(pos, semi == std::string_view::npos ? std::string_view::npos : semi - pos));
    if (param.size() > 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
      return std::strtod(std::string(param.substr(2)).c_str(), nullptr);
    }
    if (semi == std::string_view::npos) break;
    pos = semi + 1;
  }
  return 1.0;
}

}  // namespace

bool AcceptsEncoding(std::string_view accept_encoding, std::string_view coding) {
  std::map<std::string, double> q;  // coding -> q value
  size_t pos = 0;
  while (pos <= accept_encoding.size()) {
    size_t comma = accept_encoding.find(',', pos);
    std::string_view member = accept_encoding.substr(
        pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    size_t semi = member.find(';');
    std::string name = Lower(Trim(member.substr(0, semi)));
    if (!name.empty()) {
      q[name] = semi == std::string_view::npos ? 1.0 : QValue(member.substr(semi + 1));
    }
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  if (auto it = q.find(Lower(coding)); it != q.end()) return it->second > 0;
  if (auto it = q.find("*"); it != q.end()) return it->second > 0;
  return false;
}

}  // namespace hostplane::controller
