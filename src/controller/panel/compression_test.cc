#include "controller/panel/compression.h"

#include <brotli/decode.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

namespace hostplane::controller {
namespace {

std::string Gunzip(const std::string& in) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);  // gzip only
  std::string out(1 << 20, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  inflateEnd(&z);
  return out;
}

std::string Unbrotli(const std::string& in) {
  std::string out(1 << 20, '\0');
  size_t size = out.size();
  EXPECT_EQ(BrotliDecoderDecompress(in.size(), reinterpret_cast<const uint8_t*>(in.data()), &size,
                                    reinterpret_cast<uint8_t*>(out.data())),
            BROTLI_DECODER_RESULT_SUCCESS);
  out.resize(size);
  return out;
}

std::string SomeScript() {
  std::string s;
  for (int i = 0; i < 2000; ++i) s += "export const v" + std::to_string(i) + " = 'panel';\n";
  return s;
}

TEST(Compression, GzipRoundTripsAndShrinksText) {
  const std::string text = SomeScript();
  auto gz = GzipCompress(text);
  ASSERT_TRUE(gz) << gz.error().message;
  EXPECT_EQ(static_cast<unsigned char>((*gz)[0]), 0x1f);  // the gzip magic
  EXPECT_EQ(static_cast<unsigned char>((*gz)[1]), 0x8b);
  EXPECT_LT(gz->size(), text.size() / 4);
  EXPECT_EQ(Gunzip(*gz), text);
  auto empty = GzipCompress("");
  ASSERT_TRUE(empty);
  EXPECT_EQ(Gunzip(*empty), "");
}

TEST(Compression, BrotliRoundTripsAndShrinksText) {
  const std::string text = SomeScript();
  auto br = BrotliCompress(text);
  ASSERT_TRUE(br) << br.error().message;
  EXPECT_LT(br->size(), text.size() / 4);
  EXPECT_EQ(Unbrotli(*br), text);
}

TEST(Compression, AcceptsEncodingReadsTheHeaderAsRfc9110Says) {
  struct Case {
    const char* header;
    bool br;
    bool gzip;
  };
  const Case cases[] = {
      {"gzip, deflate, br, zstd", true, true},  // Chromium
      {"gzip", false, true},
      {"", false, false},
      {"identity", false, false},
      {"br;q=0, gzip", false, true},
      {"BR;Q=0.5,GZIP;q=0", true, false},
      {"*", true, true},
      {"*;q=0", false, false},
      {"gzip;q=0, *", true, false},
      {" br ; q=1.0 ", true, false},
      {"brotli, xgzip", false, false},  // whole names only
  };
  for (const Case& c : cases) {
    EXPECT_EQ(AcceptsEncoding(c.header, "br"), c.br) << c.header;
    EXPECT_EQ(AcceptsEncoding(c.header, "gzip"), c.gzip) << c.header;
  }
}

}  // namespace
}  // namespace hostplane::controller
