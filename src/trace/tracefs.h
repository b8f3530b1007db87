#pragma once
// Tracepoints as tracefs describes them: the list of events, each event's id
// (for perf_event_open) and its record format (field names, offsets, sizes),
// which gives `args.NAME` its type and offset in the BPF context.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ksight::trace {

struct TracepointField {
  std::string name;
  std::string type;  // as written, e.g. "const char *", "__data_loc char[]"
  uint32_t offset = 0;
  uint32_t size = 0;
  bool is_signed = false;
  bool data_loc = false;   // __data_loc: u32 (len << 16 | offset) into the record
  uint32_t array_len = 0;  // char comm[16] -> 16
  bool is_char_pointer() const;
  bool is_char_array() const { return array_len > 0 && type.find("char") != std::string::npos; }
};

struct TracepointFormat {
  std::string category;
  std::string name;
  std::vector<TracepointField> fields;  // without the common_* header fields
  const TracepointField* find(std::string_view field) const;
  std::vector<std::string> field_names() const;
};

// Parses the text of events/<cat>/<name>/format.
TracepointFormat parse_tracepoint_format(std::string_view text);

// Shell-style '*' and '?' matching, as probe wildcards use.
bool glob_match(std::string_view pattern, std::string_view text);

// Where tracepoints are looked up; a fake in tests.
class TracepointSource {
 public:
  virtual ~TracepointSource() = default;
  // "category:name" for every tracepoint.
  virtual std::vector<std::string> list() = 0;
  virtual std::optional<TracepointFormat> format(const std::string& category,
                                                 const std::string& name) = 0;
  virtual std::optional<uint32_t> id(const std::string& category, const std::string& name) = 0;
};

// Reads a mounted tracefs at `root` (e.g. /sys/kernel/tracing).
class Tracefs : public TracepointSource {
 public:
  explicit Tracefs(std::string root) : root_(std::move(root)) {}
  std::vector<std::string> list() override;
  std::optional<TracepointFormat> format(const std::string& category,
                                         const std::string& name) override;
  std::optional<uint32_t> id(const std::string& category, const std::string& name) override;

 private:
  std::string root_;
  std::vector<std::string> cache_;
};

}  // namespace ksight::trace
