#include "symbolizer/kallsyms.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <sstream>

#include <spdlog/spdlog.h>

namespace ksight::symbolizer {
namespace {

bool is_text_type(char type) {
  return type == 't' || type == 'T' || type == 'w' || type == 'W';
}

struct ParsedLine {
  uint64_t address = 0;
  char type = 0;
  std::string_view name;
  std::string_view module;
};

std::optional<ParsedLine> parse_line(std::string_view line) {
  ParsedLine out;
  auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), out.address, 16);
  size_t pos = ptr - line.data();
  if (ec != std::errc() || pos == 0 || pos + 3 > line.size() || line[pos] != ' ') {
    return std::nullopt;
  }
  out.type = line[pos + 1];
  if (line[pos + 2] != ' ') return std::nullopt;
  std::string_view rest = line.substr(pos + 3);
  size_t tab = rest.find('\t');
  out.name = rest.substr(0, tab);
  if (out.name.empty() || out.name.find(' ') != std::string_view::npos) return std::nullopt;
  if (tab != std::string_view::npos) {
    std::string_view module = rest.substr(tab + 1);
    if (module.size() < 2 || module.front() != '[' || module.back() != ']') return std::nullopt;
    out.module = module.substr(1, module.size() - 2);
  }
  return out;
}

}  // namespace

KallsymsTable KallsymsTable::parse(std::string_view text) {
  KallsymsTable table;
  std::map<std::string, uint32_t, std::less<>> region_index;
  table.regions_.push_back({"", 0, 0});
  region_index[""] = 0;
  bool any_nonzero = false, any_line = false;
  while (!text.empty()) {
    size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    if (line.empty()) continue;
    auto parsed = parse_line(line);
    if (!parsed) {
      ++table.bad_lines_;
      continue;
    }
    any_line = true;
    any_nonzero |= parsed->address != 0;
    if (!is_text_type(parsed->type) || parsed->address == 0) continue;
    auto it = region_index.find(parsed->module);
    if (it == region_index.end()) {
      it = region_index.emplace(std::string(parsed->module), table.regions_.size()).first;
      table.regions_.push_back({std::string(parsed->module), 0, 0});
    }
    table.symbols_.push_back(
        {parsed->address, static_cast<uint32_t>(table.names_.size()), it->second});
    table.names_.append(parsed->name);
    table.names_.push_back('\0');
  }
  table.hidden_ = any_line && !any_nonzero;
  table.finish();
  return table;
}

void KallsymsTable::finish() {
  std::stable_sort(symbols_.begin(), symbols_.end(),
                   [](const Symbol& a, const Symbol& b) { return a.address < b.address; });
  std::vector<bool> seen(regions_.size(), false);
  for (const Symbol& s : symbols_) {
    KernelRegion& r = regions_[s.region];
    if (!seen[s.region]) r.start = s.address;
    seen[s.region] = true;
    r.limit = std::max(r.limit, s.address + kRegionSlack);
  }
}

std::optional<KernelSymbolHit> KallsymsTable::lookup(uint64_t address) const {
  auto it = std::upper_bound(symbols_.begin(), symbols_.end(), address,
                             [](uint64_t a, const Symbol& s) { return a < s.address; });
  if (it == symbols_.begin()) return std::nullopt;
  --it;
  const KernelRegion& region = regions_[it->region];
  if (address >= region.limit) return std::nullopt;
  return KernelSymbolHit{std::string_view(names_.c_str() + it->name_offset), address - it->address,
                         &region};
}

std::optional<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

KernelSymbols::KernelSymbols(KallsymsOptions options) : options_(std::move(options)) {}

void KernelSymbols::load() {
  auto text = read_text_file(options_.kallsyms_path);
  if (!text) {
    spdlog::warn("symbolizer: cannot read {}: kernel frames stay unknown", options_.kallsyms_path);
  }
  table_ = KallsymsTable::parse(text ? *text : std::string_view{});
  if (table_.hidden() && !loaded_) {
    spdlog::warn(
        "symbolizer: {} shows only zero addresses (kptr_restrict or missing CAP_SYSLOG);"
        " kernel frames stay unknown",
        options_.kallsyms_path);
  }
  if (loaded_) ++reloads_;
  loaded_ = true;
  last_load_ = Clock::now();
}

void KernelSymbols::refresh() {
  auto now = Clock::now();
  if (loaded_ && now - last_modules_check_ < options_.modules_check_interval) return;
  last_modules_check_ = now;
  std::string modules = read_text_file(options_.modules_path).value_or("");
  if (loaded_ && modules == modules_snapshot_) return;
  modules_snapshot_ = std::move(modules);
  load();
}

std::optional<KernelSymbolHit> KernelSymbols::lookup(uint64_t address) {
  if (!loaded_) refresh();
  if (auto hit = table_.lookup(address)) return hit;
  if (table_.hidden() || Clock::now() - last_load_ < options_.miss_reload_interval) {
    return std::nullopt;
  }
  load();
  return table_.lookup(address);
}

}  // namespace ksight::symbolizer
