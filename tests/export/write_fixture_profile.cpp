// Writes synthetic_profile() to a file for the peer tests: the format comes
// from the extension, or from a second argument (pprof, folded, svg).
#include <cstdio>
#include <exception>

#include "export/profile_writer.h"
#include "synthetic_profile.h"

int main(int argc, char** argv) {
  using namespace ksight::exporter;
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: %s OUTPUT [pprof|folded|svg]\n", argv[0]);
    return 1;
  }
  auto format = argc == 3 ? parse_format(argv[2]) : format_from_extension(argv[1]);
  if (!format) {
    std::fprintf(stderr, "cannot tell the output format of %s\n", argv[1]);
    return 1;
  }
  try {
    write_profile_file(ksight::testing::synthetic_profile(), *format, argv[1]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
