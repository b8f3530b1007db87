#pragma once
// The bounded cache of LoadedObjects, least recently used first out.
//
// Keys: "b:<build-id>:<size>" when the file has a GNU build-id (the same
// library inside and outside a container is one entry; a stripped copy has
// the same build-id but another size, so it stays a separate entry), else
// "f:<dev>:<inode>:<size>:<mtime>". Because computing the build-id needs
// the file opened, a second index maps file identity to the primary key so
// a known file is recognised from fstat() alone.
//
// Evicted objects stay alive while a process snapshot still holds them.
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "symbolizer/loaded_object.h"

namespace ksight::symbolizer {

struct ObjectCacheLimits {
  size_t max_entries = 512;
  size_t max_bytes = 256u << 20;
};

class ObjectCache {
 public:
  explicit ObjectCache(ObjectCacheLimits limits) : limits_(limits) {}

  // By file identity (see file_identity_key); counts a hit or nothing.
  std::shared_ptr<LoadedObject> find_identity(const std::string& identity);
  // By primary key; counts a hit or nothing.
  std::shared_ptr<LoadedObject> find(const std::string& key);
  // Inserts (or refreshes) `object` under `key`, remembering `identity`.
  void insert(const std::string& key, const std::string& identity,
              std::shared_ptr<LoadedObject> object);
  // Re-measures memory (memos grow) and evicts down to the limits.
  void enforce_limits();

  size_t size() const { return entries_.size(); }
  size_t bytes() const { return bytes_; }  // as of the last insert or enforce_limits()
  // Walks every entry now: DWARF opened and memos grown since are included.
  size_t measure_bytes() const;
  uint64_t hits() const { return hits_; }
  uint64_t evictions() const { return evictions_; }

 private:
  struct Entry {
    std::string key;
    std::vector<std::string> identities;
    std::shared_ptr<LoadedObject> object;
  };
  using List = std::list<Entry>;
  void touch(List::iterator it);
  void evict_oldest();

  ObjectCacheLimits limits_;
  List entries_;  // most recently used first
  std::unordered_map<std::string, List::iterator> by_key_;
  std::unordered_map<std::string, std::string> identity_to_key_;
  size_t bytes_ = 0;
  uint64_t hits_ = 0;
  uint64_t evictions_ = 0;
};

// "f:<dev>:<inode>:<size>:<mtime_ns>" from fstat() of an open file.
std::string file_identity_key(int fd);
std::string build_id_key(const std::string& build_id, uint64_t file_size);

}  // namespace ksight::symbolizer
