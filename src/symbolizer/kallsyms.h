#pragma once
// Kernel symbols from /proc/kallsyms, and the policy that keeps them current
// while modules and BPF programs come and go.
//
// Grammar of /proc/kallsyms (one symbol per line):
//
//   line   = address SP type SP name [ TAB "[" module "]" ]
//   address = hex                    ; all zeros when kptr_restrict hides them
//   type   = one letter              ; t/T text, w/W weak; others are data
//   name   = non-blank characters
//
// Only text symbols (t, T, w, W) are kept: a data symbol is never the function
// an instruction pointer is in.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ksight::symbolizer {

// The kernel image and each module form one region: the span from their
// lowest to their highest text symbol, plus `kRegionSlack` for the body of
// the last function.
struct KernelRegion {
  std::string name;  // "" for the kernel image, else the module name ("ext4", "bpf")
  uint64_t start = 0;
  uint64_t limit = 0;  // exclusive
};

struct KernelSymbolHit {
  std::string_view name;
  uint64_t offset = 0;  // address - symbol address
  const KernelRegion* region = nullptr;
};

class KallsymsTable {
 public:
  static constexpr uint64_t kRegionSlack = 0x10000;

  // Parses kallsyms text. Malformed lines are skipped and counted.
  static KallsymsTable parse(std::string_view text);

  // Nearest lower text symbol, when `address` lies inside a known region.
  std::optional<KernelSymbolHit> lookup(uint64_t address) const;

  size_t size() const { return symbols_.size(); }
  size_t bad_lines() const { return bad_lines_; }
  // True when every address read as zero: kptr_restrict or missing CAP_SYSLOG.
  bool hidden() const { return hidden_; }
  const std::vector<KernelRegion>& regions() const { return regions_; }

 private:
  struct Symbol {
    uint64_t address;
    uint32_t name_offset;
    uint32_t region;
  };
  void finish();

  std::vector<Symbol> symbols_;
  std::string names_;  // NUL-separated
  std::vector<KernelRegion> regions_;
  size_t bad_lines_ = 0;
  bool hidden_ = false;
};

struct KallsymsOptions {
  std::string kallsyms_path = "/proc/kallsyms";
  std::string modules_path = "/proc/modules";  // watched for load/unload
  // How often /proc/modules may be re-read to notice module changes.
  std::chrono::milliseconds modules_check_interval{1000};
  // How often an address outside every region may trigger a full re-read
  // (new BPF programs do not show in /proc/modules).
  std::chrono::milliseconds miss_reload_interval{5000};
};

// A KallsymsTable that reloads itself when /proc/modules changes or an
// address falls outside every known region (rate-limited both ways).
class KernelSymbols {
 public:
  explicit KernelSymbols(KallsymsOptions options);

  // Call once per batch: notices module loads/unloads.
  void refresh();
  // Looks `address` up; on a miss may reload once (rate-limited) and retry.
  std::optional<KernelSymbolHit> lookup(uint64_t address);

  const KallsymsTable& table() const { return table_; }
  uint64_t reloads() const { return reloads_; }

 private:
  using Clock = std::chrono::steady_clock;
  void load();

  KallsymsOptions options_;
  KallsymsTable table_;
  std::string modules_snapshot_;
  bool loaded_ = false;
  Clock::time_point last_modules_check_{};
  Clock::time_point last_load_{};
  uint64_t reloads_ = 0;
};

// Reads a whole (possibly /proc) file; nullopt when it cannot be opened.
std::optional<std::string> read_text_file(const std::string& path);

}  // namespace ksight::symbolizer
