#pragma once
// Writes a file all-or-nothing: into "<path>.tmp-<pid>" next to it, renamed
// over <path> by commit(). Opening early checks the path is writable before
// any expensive work; a failure or an abandoned write leaves no partial file.
#include <fstream>
#include <string>

namespace ksight {

class AtomicFile {
 public:
  // Throws ksight::Error naming the path and the reason when it cannot write.
  explicit AtomicFile(const std::string& path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  std::ostream& stream() { return out_; }
  // Flushes, checks for write errors and renames into place; throws on failure.
  void commit();

 private:
  std::string path_;
  std::string temp_path_;
  std::ofstream out_;
  bool committed_ = false;
};

}  // namespace ksight
