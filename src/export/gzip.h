#pragma once
// gzip framing for pprof files: `go tool pprof` and every pprof consumer
// expect profile.proto wrapped in a gzip member (RFC 1952), not raw deflate.
#include <string>
#include <string_view>

namespace ksight::exporter {

// True when `data` starts with the gzip magic bytes 1f 8b.
bool is_gzip(std::string_view data);

// One gzip member holding `data`. Throws ksight::Error when zlib fails.
std::string gzip_compress(std::string_view data);

// The decompressed content of a gzip (or zlib) stream; concatenated gzip
// members are joined. Throws ksight::Error on corrupt or truncated input, or
// when the output would exceed `max_size` bytes.
std::string gzip_decompress(std::string_view data, size_t max_size = size_t{1} << 31);

}  // namespace ksight::exporter
