#include "export/folded_writer.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "common/error.h"
#include "synthetic_profile.h"

namespace ksight::exporter {
namespace {

using testing::synthetic_profile;

TEST(FoldedWriter, ExactOutputForSamples) {
  WriteOptions options;
  options.value_type = "samples";
  EXPECT_EQ(fold_profile(synthetic_profile(), options),
            "app;main;compute;hot_inner 5\n"
            "app;main;compute;hot_inner;hot_leaf 100\n"
            "swapper/0;nft_do_chain_[k] 1\n"
            "writer;main;app+0x1300 1\n"
            "writer;main;write;entry_SYSCALL_64_[k];ksys_write_[k] 3\n");
}

TEST(FoldedWriter, SamplesByDefaultOtherTypesOnRequest) {
  EXPECT_NE(fold_profile(synthetic_profile()).find("app;main;compute;hot_inner;hot_leaf 100\n"),
            std::string::npos);
  // cpu values are nanoseconds (count * period).
  WriteOptions options;
  options.value_type = "cpu";
  std::string folded = fold_profile(synthetic_profile(), options);
  EXPECT_NE(folded.find("app;main;compute;hot_inner;hot_leaf 1010101000\n"), std::string::npos)
      << folded;
  EXPECT_NE(folded.find("swapper/0;nft_do_chain_[k] 10101010\n"), std::string::npos);
}

TEST(FoldedWriter, DefaultSampleTypeWithoutSamplesThenFirst) {
  profile::Profile p = synthetic_profile();
  p.sample_types[0].type = "count";
  EXPECT_NE(fold_profile(p).find("hot_leaf 1010101000\n"), std::string::npos);
  p.default_sample_type.clear();
  EXPECT_NE(fold_profile(p).find("hot_leaf 100\n"), std::string::npos);
  p.default_sample_type = "stale";
  EXPECT_NE(fold_profile(p).find("hot_leaf 100\n"), std::string::npos);
}

TEST(FoldedWriter, ShowLines) {
  WriteOptions options;
  options.value_type = "samples";
  options.show_lines = true;
  std::string folded = fold_profile(synthetic_profile(), options);
  EXPECT_NE(folded.find("app;main (app.c:10);compute (app.c:20);hot_inner (hot.h:5);"
                        "hot_leaf (app.c:30) 100\n"),
            std::string::npos)
      << folded;
  EXPECT_NE(folded.find("writer;main (app.c:10);write;entry_SYSCALL_64_[k];ksys_write_[k] 3\n"),
            std::string::npos)
      << folded;
}

TEST(FoldedWriter, SanitizesNamesAndMissingComm) {
  profile::Profile p = synthetic_profile();
  p.locations[testing::kHotLeaf - 1].lines[0].function = "ns::f;g\nh\ri";
  p.samples[5].labels.clear();  // no comm
  WriteOptions options;
  options.value_type = "samples";
  std::string folded = fold_profile(p, options);
  EXPECT_NE(folded.find("app;main;compute;hot_inner;ns::f:g h i 90\n"), std::string::npos)
      << folded;
  EXPECT_NE(folded.find("[unknown];main;compute;hot_inner;ns::f:g h i 10\n"), std::string::npos)
      << folded;
  EXPECT_EQ(std::count(folded.begin(), folded.end(), '\n'), 6);
}

TEST(FoldedWriter, ZeroStacksAreDroppedAndUnknownTypeThrows) {
  profile::Profile p = synthetic_profile();
  for (auto& s : p.samples) s.values = {0, 0};
  EXPECT_EQ(fold_profile(p), "");
  WriteOptions options;
  options.value_type = "alloc_space";
  EXPECT_THROW(fold_profile(synthetic_profile(), options), Error);
}

}  // namespace
}  // namespace ksight::exporter
