#include "otel/path_normalizer.h"

#include <gtest/gtest.h>

namespace ksight::otel {
namespace {

TEST(PathNormalizer, IdSegments) {
  EXPECT_EQ(normalize_path("/users/42/orders"), "/users/{id}/orders");
  EXPECT_EQ(normalize_path("/o/3f2c9a1e-8b7d-4c1e-9f00-123456789abc"), "/o/{id}");
  EXPECT_EQ(normalize_path("/blob/9f86d081884c7d65"), "/blob/{id}");
  EXPECT_EQ(normalize_path("/static/deadbeef"), "/static/deadbeef");  // no digit: a word
  EXPECT_EQ(normalize_path("/v1/items"), "/v1/items");
  EXPECT_EQ(normalize_path("/"), "/");
  EXPECT_EQ(normalize_path("/a/1/"), "/a/{id}/");
}

TEST(PathNormalizer, TargetPathDropsQueryAndAuthority) {
  EXPECT_EQ(target_path("/a?b=1#c"), "/a");
  EXPECT_EQ(target_path("http://example.com/x/y?z"), "/x/y");
  EXPECT_EQ(target_path("http://example.com"), "/");
  EXPECT_EQ(target_path("*"), "*");
}

TEST(PathNormalizer, RouteTemplates) {
  PathNormalizer n({"/users/{user}/orders", "/api/:name", "/static/*"});
  auto r = n.normalize("/users/alice/orders?page=2");
  EXPECT_EQ(r.route, "/users/{user}/orders");
  EXPECT_EQ(r.path, "/users/{user}/orders");
  EXPECT_EQ(n.normalize("/api/x").route, "/api/:name");
  EXPECT_EQ(n.normalize("/static/css/site.css").route, "/static/*");
  auto none = n.normalize("/users/7");
  EXPECT_FALSE(none.route);
  EXPECT_EQ(none.path, "/users/{id}");
}

TEST(PathNormalizer, TopNGuardFoldsNewPaths) {
  PathNormalizer n({}, 3);
  EXPECT_EQ(n.normalize("/a").path, "/a");
  EXPECT_EQ(n.normalize("/b").path, "/b");
  EXPECT_EQ(n.normalize("/c/1").path, "/c/{id}");
  EXPECT_EQ(n.normalize("/c/2").path, "/c/{id}");  // already admitted
  EXPECT_EQ(n.normalize("/d").path, kOtherPath);
  EXPECT_EQ(n.normalize("/a").path, "/a");
  EXPECT_EQ(n.folded(), 1u);
}

// Answers are remembered per raw path; a remembered answer is the same one,
// a folded path still counts each time, and the query does not matter.
TEST(PathNormalizer, RepeatedPathsGiveTheSameAnswerAndCountFolds) {
  PathNormalizer n({"/users/{user}"}, 2);
  EXPECT_EQ(n.normalize("/users/7?x=1").route, "/users/{user}");
  EXPECT_EQ(n.normalize("/users/7?y=2").route, "/users/{user}");
  EXPECT_EQ(n.normalize("/b/9").path, "/b/{id}");
  EXPECT_EQ(n.normalize("/c").path, kOtherPath);
  EXPECT_EQ(n.normalize("/c?again").path, kOtherPath);
  EXPECT_EQ(n.normalize("/b/9").path, "/b/{id}");
  EXPECT_EQ(n.folded(), 2u);
  for (int i = 0; i < 10000; ++i) n.normalize("/b/" + std::to_string(i));  // past the cache cap
  EXPECT_EQ(n.normalize("/c").path, kOtherPath);
  EXPECT_EQ(n.normalize("/users/8").path, "/users/{user}");
  EXPECT_EQ(n.folded(), 3u);
}

}  // namespace
}  // namespace ksight::otel
