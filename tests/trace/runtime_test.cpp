// The declarative runtime suite: every case in runtime/*.test runs the real
// `ksight trace` binary as root against real kernel hooks and small workload
// programs with known answers. Case format (one directive per line):
//
//   NAME    unique_case_name            (starts a case)
//   PROG    the one-liner               (several PROG lines are joined by newlines)
//   CMD     command for -c              ({workloads} = the built workload dir,
//                                        {scripts} = runtime/scripts in the source)
//   ARGS    extra ksight trace arguments, space separated
//   EXPECT  regex that stdout must match (ECMAScript, multiline), repeatable
//   EXPECT_NOT  regex stdout must not match
//   EXPECT_ERR  regex stderr must match
//   EXIT    expected exit code (default 0)
//   REQUIRES    a feature name as `ksight probe` prints it (e.g. uprobe)
//   TIMEOUT seconds (default 20)
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "agent/feature_probe.h"

namespace {

struct Case {
  std::string file, name, prog, cmd;
  std::vector<std::string> args, expect, expect_not, expect_err;
  std::string requires_feature;
  int exit_code = 0;
  int timeout = 20;
};

std::string substitute(std::string s) {
  const std::pair<std::string, std::string> keys[] = {
      {"{workloads}", std::string(KSIGHT_BINARY_DIR) + "/tests/trace/workloads"},
      {"{scripts}", std::string(KSIGHT_SOURCE_DIR) + "/tests/trace/runtime/scripts"}};
  for (const auto& [key, dir] : keys) {
    for (size_t p; (p = s.find(key)) != std::string::npos;) s.replace(p, key.size(), dir);
  }
  return s;
}

std::vector<Case> load_cases() {
  std::vector<Case> cases;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(std::string(KSIGHT_SOURCE_DIR) +
                                                           "/tests/trace/runtime")) {
    if (e.path().extension() == ".test") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      auto sp = line.find(' ');
      std::string key = line.substr(0, sp);
      std::string value = sp == std::string::npos ? "" : line.substr(sp + 1);
      if (key == "NAME") {
        cases.push_back({});
        cases.back().file = f.filename().string();
        cases.back().name = value;
        continue;
      }
      if (cases.empty()) continue;
      Case& c = cases.back();
      if (key == "PROG") c.prog += (c.prog.empty() ? "" : "\n") + substitute(value);
      if (key == "CMD") c.cmd = substitute(value);
      if (key == "ARGS") {
        std::istringstream words(substitute(value));
        for (std::string w; words >> w;) c.args.push_back(w);
      }
      if (key == "EXPECT") c.expect.push_back(value);
      if (key == "EXPECT_NOT") c.expect_not.push_back(value);
      if (key == "EXPECT_ERR") c.expect_err.push_back(value);
      if (key == "EXIT") c.exit_code = std::stoi(value);
      if (key == "REQUIRES") c.requires_feature = value;
      if (key == "TIMEOUT") c.timeout = std::stoi(value);
    }
  }
  return cases;
}

struct Result {
  std::string out, err;
  int exit_code = -1;
  bool timed_out = false;
};

Result run_ksight(const Case& c) {
  std::vector<std::string> argv = {KSIGHT_BIN, "trace"};
  if (!c.prog.empty()) argv.push_back(c.prog);
  if (!c.cmd.empty()) {
    argv.push_back("-c");
    argv.push_back(c.cmd);
  }
  argv.insert(argv.end(), c.args.begin(), c.args.end());
  int out_pipe[2], err_pipe[2];
  if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    close(out_pipe[0]);
    close(err_pipe[0]);
    std::vector<char*> raw;
    for (auto& a : argv) raw.push_back(a.data());
    raw.push_back(nullptr);
    execv(raw[0], raw.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  Result r;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  int open_fds = 2;
  timespec start{};
  clock_gettime(CLOCK_MONOTONIC, &start);
  while (open_fds > 0) {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    long left_ms = c.timeout * 1000L -
                   ((now.tv_sec - start.tv_sec) * 1000L + (now.tv_nsec - start.tv_nsec) / 1000000L);
    if (left_ms <= 0) {
      r.timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    if (poll(fds, 2, static_cast<int>(left_ms)) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      char buf[4096];
      ssize_t n = read(fds[i].fd, buf, sizeof(buf));
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      } else {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

bool feature_available(const std::string& name, std::string& why) {
  auto& features = ksight::agent::kernel_features();
  for (auto f : ksight::agent::all_features()) {
    if (ksight::agent::feature_name(f) == name) {
      auto s = features.status(f);
      why = s.detail;
      return s.available;
    }
  }
  why = "unknown feature " + name;
  return false;
}

// gtest prints parameters on failure; the case name is enough.
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.file << ":" << c.name;
}

class TraceRuntime : public ::testing::TestWithParam<Case> {};

TEST_P(TraceRuntime, Case) {
  const Case& c = GetParam();
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  if (!c.requires_feature.empty()) {
    std::string why;
    if (!feature_available(c.requires_feature, why))
      GTEST_SKIP() << c.requires_feature << ": " << why;
  }
  Result r = run_ksight(c);
  std::string context =
      "\n--- program:\n" + c.prog + "\n--- stdout:\n" + r.out + "\n--- stderr:\n" + r.err;
  ASSERT_FALSE(r.timed_out) << "timed out after " << c.timeout << "s" << context;
  EXPECT_EQ(r.exit_code, c.exit_code) << context;
  auto flags = std::regex::ECMAScript | std::regex::multiline;
  for (const auto& re : c.expect) {
    EXPECT_TRUE(std::regex_search(r.out, std::regex(re, flags)))
        << "stdout lacks /" << re << "/" << context;
  }
  for (const auto& re : c.expect_not) {
    EXPECT_FALSE(std::regex_search(r.out, std::regex(re, flags)))
        << "stdout has /" << re << "/" << context;
  }
  for (const auto& re : c.expect_err) {
    EXPECT_TRUE(std::regex_search(r.err, std::regex(re, flags)))
        << "stderr lacks /" << re << "/" << context;
  }
}

// Lost records: a 4 KiB ring buffer (~170 printf records) against 200000
// getppid calls of the -c child. Every call either prints a line or is
// counted as lost, so delivered + lost must be exactly the calls made.
constexpr long kStormCalls = 200000;

Case storm_case(const std::string& format) {
  Case c;
  c.prog = "tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { printf(\"e %d\\n\", 1); }";
  c.cmd = substitute("{workloads}/getppid_loop " + std::to_string(kStormCalls));
  c.args = {"--ringbuf-bytes", "4096", "--format", format};
  return c;
}

long count_matches(const std::string& text, const std::string& re) {
  std::regex r(re, std::regex::ECMAScript | std::regex::multiline);
  return std::distance(std::sregex_iterator(text.begin(), text.end(), r), std::sregex_iterator());
}

long first_number(const std::string& text, const std::string& re) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex(re))) return -1;
  return std::stol(m[1]);
}

TEST(TraceLostEvents, TextCountsEveryRecordThatDidNotFit) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  Result r = run_ksight(storm_case("text"));
  ASSERT_FALSE(r.timed_out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  long delivered = count_matches(r.out, "^e 1$");
  long lost = first_number(r.err, "Lost ([0-9]+) events");
  EXPECT_GT(lost, 0) << r.err;
  EXPECT_GT(delivered, 0);
  EXPECT_EQ(delivered + lost, kStormCalls) << "delivered " << delivered << " lost " << lost;
}

TEST(TraceLostEvents, JsonHasALostEventsRecord) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  Result r = run_ksight(storm_case("json"));
  ASSERT_FALSE(r.timed_out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  long delivered = count_matches(r.out, R"(^\{"type": "printf", "data": "e 1\\n"\}$)");
  long lost = first_number(r.out, R"(\{"type": "lost_events", "data": \{"events": ([0-9]+)\}\})");
  EXPECT_GT(lost, 0) << r.out.substr(r.out.size() > 300 ? r.out.size() - 300 : 0);
  EXPECT_EQ(delivered + lost, kStormCalls) << "delivered " << delivered << " lost " << lost;
}

TEST(TraceLostEvents, NothingLostNothingReported) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  Case c = storm_case("text");
  c.cmd = substitute("{workloads}/getppid_loop 100");
  c.args = {};
  Result r = run_ksight(c);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_matches(r.out, "^e 1$"), 100);
  EXPECT_EQ(r.err.find("Lost"), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(Suite, TraceRuntime, ::testing::ValuesIn(load_cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.name;
                         });

}  // namespace
