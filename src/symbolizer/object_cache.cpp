#include "symbolizer/object_cache.h"

#include <fmt/format.h>
#include <sys/stat.h>

namespace ksight::symbolizer {

std::string file_identity_key(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return {};
  return fmt::format("f:{:x}:{}:{}:{}.{}", st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec,
                     st.st_mtim.tv_nsec);
}

std::string build_id_key(const std::string& build_id, uint64_t file_size) {
  return fmt::format("b:{}:{}", build_id, file_size);
}

std::shared_ptr<LoadedObject> ObjectCache::find_identity(const std::string& identity) {
  auto it = identity_to_key_.find(identity);
  if (it == identity_to_key_.end()) return nullptr;
  return find(it->second);
}

std::shared_ptr<LoadedObject> ObjectCache::find(const std::string& key) {
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return nullptr;
  ++hits_;
  touch(it->second);
  return entries_.front().object;
}

void ObjectCache::touch(List::iterator it) {
  entries_.splice(entries_.begin(), entries_, it);
}

void ObjectCache::insert(const std::string& key, const std::string& identity,
                         std::shared_ptr<LoadedObject> object) {
  auto it = by_key_.find(key);
  if (it == by_key_.end()) {
    bytes_ += object->approximate_bytes();
    entries_.push_front(Entry{key, {}, std::move(object)});
    by_key_[key] = entries_.begin();
  } else {
    touch(it->second);
  }
  if (!identity.empty() && identity_to_key_.emplace(identity, key).second) {
    entries_.front().identities.push_back(identity);
  }
  enforce_limits();
}

size_t ObjectCache::measure_bytes() const {
  size_t bytes = 0;
  for (const Entry& e : entries_) bytes += e.object->approximate_bytes();
  return bytes;
}

void ObjectCache::enforce_limits() {
  bytes_ = measure_bytes();
  // Keep the most recent entry even when it alone exceeds the byte budget.
  while (entries_.size() > 1 &&
         (entries_.size() > limits_.max_entries || bytes_ > limits_.max_bytes)) {
    evict_oldest();
  }
}

void ObjectCache::evict_oldest() {
  Entry& victim = entries_.back();
  bytes_ -= std::min(bytes_, victim.object->approximate_bytes());
  for (const auto& identity : victim.identities) identity_to_key_.erase(identity);
  by_key_.erase(victim.key);
  entries_.pop_back();
  ++evictions_;
}

}  // namespace ksight::symbolizer
