#include "store/spill.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/error.h"
#include "export/pprof_reader.h"
#include "export/pprof_writer.h"

namespace ksight::store {

namespace {

constexpr const char* kMetaPrefix = "ksight.store ";

std::string meta_comment(const Labels& labels, int64_t start_ns, int64_t end_ns, uint64_t seq) {
  nlohmann::json j = {{"labels", labels}, {"start_ns", start_ns}, {"end_ns", end_ns}, {"seq", seq}};
  // A label may hold bytes that are not UTF-8 (a process name): U+FFFD.
  return kMetaPrefix + j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Splits the metadata comment off `profile`; false when it has none.
bool take_meta(profile::Profile& profile, SpilledWindow* out) {
  auto& comments = profile.comments;
  if (comments.empty() || comments[0].rfind(kMetaPrefix, 0) != 0) return false;
  auto j =
      nlohmann::json::parse(comments[0].substr(std::string(kMetaPrefix).size()), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  if (out) {
    out->labels = j.value("labels", Labels{});
    out->start_ns = j.value("start_ns", int64_t{0});
    out->end_ns = j.value("end_ns", int64_t{0});
    out->seq = j.value("seq", uint64_t{0});
  }
  comments.erase(comments.begin());
  return true;
}

}  // namespace

SpilledWindow write_spill(const std::string& dir, const Labels& labels, int64_t start_ns,
                          int64_t end_ns, uint64_t seq, const profile::Profile& profile) {
  SpilledWindow w{labels, start_ns, end_ns, seq, "", 0};
  w.path = dir + "/w-" + std::to_string(start_ns) + "-" + std::to_string(seq) + ".pb.gz";
  profile::Profile copy = profile;
  copy.comments.insert(copy.comments.begin(), meta_comment(labels, start_ns, end_ns, seq));
  std::string bytes = exporter::encode_pprof(copy);
  AtomicFile file(w.path);
  file.stream() << bytes;
  file.commit();
  w.bytes = bytes.size();
  return w;
}

profile::Profile read_spill(const std::string& path) {
  profile::Profile p = exporter::read_pprof_file(path);
  take_meta(p, nullptr);
  return p;
}

std::vector<SpilledWindow> scan_spill_dir(const std::string& dir) {
  std::vector<SpilledWindow> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || name.rfind("w-", 0) != 0 || !name.ends_with(".pb.gz")) {
      continue;
    }
    try {
      profile::Profile p = exporter::read_pprof_file(entry.path().string());
      SpilledWindow w;
      if (!take_meta(p, &w)) throw Error("no ksight.store metadata");
      w.path = entry.path().string();
      w.bytes = entry.file_size();
      out.push_back(std::move(w));
    } catch (const std::exception& e) {
      spdlog::warn("store: skipping {}: {}", entry.path().string(), e.what());
    }
  }
  return out;
}

}  // namespace ksight::store
