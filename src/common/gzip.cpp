#include "common/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <climits>

#include "common/error.h"

namespace ksight {
namespace {

constexpr int kGzipWindowBits = 15 + 16;  // 15-bit window, gzip header
constexpr int kAutoWindowBits = 15 + 32;  // detect gzip or zlib header
constexpr size_t kChunk = 64 * 1024;

Bytef* bytes(std::string_view data) {
  return reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
}

}  // namespace

bool is_gzip(std::string_view data) {
  return data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f &&
         static_cast<unsigned char>(data[1]) == 0x8b;
}

std::string gzip_compress(std::string_view data, int level) {
  if (data.size() > UINT_MAX) throw Error("gzip: input too large");
  z_stream zs{};
  if (deflateInit2(&zs, level, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw Error("gzip: deflateInit2 failed");
  }
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())), '\0');
  zs.next_in = bytes(data);
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw Error("gzip: deflate failed");
  return out;
}

std::string gzip_decompress(std::string_view data, size_t max_size) {
  z_stream zs{};
  if (inflateInit2(&zs, kAutoWindowBits) != Z_OK) throw Error("gzip: inflateInit2 failed");
  std::string out;
  char buf[kChunk];
  zs.next_in = bytes(data);
  zs.avail_in = static_cast<uInt>(std::min<size_t>(data.size(), UINT_MAX));
  int rc = Z_OK;
  while (true) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out.append(buf, sizeof(buf) - zs.avail_out);
    if (out.size() > max_size) break;
    if (rc == Z_STREAM_END) {
      // Another gzip member may follow (as `cat a.gz b.gz` produces).
      if (zs.avail_in == 0 || !is_gzip({reinterpret_cast<char*>(zs.next_in), zs.avail_in})) break;
      inflateReset(&zs);
    } else if (zs.avail_in == 0 && zs.avail_out != 0) {
      rc = Z_BUF_ERROR;  // input ended inside the stream
      break;
    }
  }
  inflateEnd(&zs);
  if (out.size() > max_size) throw Error("gzip: decompressed data exceeds the size limit");
  if (rc != Z_STREAM_END) throw Error("gzip: corrupt or truncated data");
  return out;
}

}  // namespace ksight
