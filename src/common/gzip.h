#pragma once
// gzip (RFC 1952) members: pprof files (`go tool pprof` and every pprof
// consumer expect profile.proto wrapped in one, not raw deflate) and OTLP/HTTP
// request bodies (Content-Encoding: gzip).
#include <string>
#include <string_view>

namespace ksight {

// True when `data` starts with the gzip magic bytes 1f 8b.
bool is_gzip(std::string_view data);

// One gzip member holding `data`, at zlib `level` (1 fastest .. 9 smallest,
// -1 zlib's default, 6). Throws ksight::Error when zlib fails.
std::string gzip_compress(std::string_view data, int level = -1);

// The decompressed content of a gzip (or zlib) stream; concatenated gzip
// members are joined. Throws ksight::Error on corrupt or truncated input, or
// when the output would exceed `max_size` bytes.
std::string gzip_decompress(std::string_view data, size_t max_size = size_t{1} << 31);

}  // namespace ksight
