#include "common/atomic_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/error.h"

namespace ksight {

AtomicFile::AtomicFile(const std::string& path)
    : path_(path), temp_path_(path + ".tmp-" + std::to_string(getpid())) {
  out_.open(temp_path_, std::ios::binary | std::ios::trunc);
  if (!out_) throw Error("cannot write " + path_ + ": " + strerror(errno));
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    out_.close();
    std::remove(temp_path_.c_str());
  }
}

void AtomicFile::commit() {
  out_.flush();
  bool ok = static_cast<bool>(out_);
  out_.close();
  if (!ok || out_.fail()) throw Error("writing " + path_ + " failed: " + strerror(errno));
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    throw Error("renaming " + temp_path_ + " to " + path_ + ": " + strerror(errno));
  }
  committed_ = true;
}

}  // namespace ksight
