#pragma once
// A store with known content for the UI tests and the browser test:
// "app" (pid 100, container c-app) spends its time in app_hot_function and,
// from the 6th window on, in app_new_function too; "db" (pid 200) in
// db_scan_rows. Twelve 10 s windows per series from kFixtureStart.
#include "store/profile_fixture.h"
#include "store/store.h"

namespace ksight::testing {

constexpr int64_t kFixtureStart = int64_t{1700000000} * 1000000000;
constexpr int64_t kFixtureWindow = int64_t{10} * 1000000000;

inline void fill_fixture_store(store::Store& s) {
  for (int i = 0; i < 12; ++i) {
    int64_t t = kFixtureStart + i * kFixtureWindow;
    std::vector<FixtureStack> app = {{{"main", "run_loop", "app_hot_function"}, 8},
                                     {{"main", "run_loop", "app_cold_function"}, 2}};
    if (i >= 6) app.push_back({{"main", "run_loop", "app_new_function"}, 5});
    s.add_window({{"comm", "app"}, {"pid", "100"}, {"container_id", "c-app"}, {"type", "cpu"}},
                 fixture_profile(app, "app", 100), t, t + kFixtureWindow);
    s.add_window({{"comm", "db"}, {"pid", "200"}, {"type", "cpu"}},
                 fixture_profile({{{"main", "query", "db_scan_rows"}, 20}}, "db", 200), t,
                 t + kFixtureWindow);
  }
}

}  // namespace ksight::testing
