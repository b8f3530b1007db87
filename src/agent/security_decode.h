#pragma once
// Raw ring-buffer records of bpf/security.bpf.c -> SecurityEventRecord.
// Pure functions over bytes: the unit tests feed synthetic records laid out
// exactly as BPF writes them (see bpf/security.h).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "agent/security_events.h"

namespace ksight::agent {

enum class SecurityDecodeError {
  kNone = 0,
  kTooShort,      // shorter than the common header
  kSizeMismatch,  // header size disagrees with the bytes or the type's layout
  kUnknownType,   // not a security event type
};
std::string_view security_decode_error_name(SecurityDecodeError error);

struct SecurityDecodeResult {
  SecurityDecodeError error = SecurityDecodeError::kNone;
  bool ok() const { return error == SecurityDecodeError::kNone; }
};

// Decodes one record into `out` (fields not in the record keep defaults).
// Does not touch /proc: path resolution and wall time are the pipeline's.
SecurityDecodeResult decode_security_record(std::span<const std::byte> bytes,
                                            SecurityEventRecord& out);

// The record size BPF emits for a type; 0 for unknown types.
size_t security_record_size(uint32_t type);

// NUL-separated argv bytes -> entries (a trailing unterminated piece counts).
std::vector<std::string> split_argv(std::string_view bytes);
// Path components as BPF walks them, leaf first ("bin\0usr\0") -> "/usr/bin";
// nothing -> "/".
std::string path_from_components(std::string_view leaf_first);
// Falco's proc.args: entries after argv[0], joined by single spaces.
std::string join_args(const std::vector<std::string>& argv, size_t first = 1);

// Text form of an address from a record (family AF_INET: first 4 bytes).
std::string format_ip(uint16_t family, const uint8_t* addr16);

}  // namespace ksight::agent
