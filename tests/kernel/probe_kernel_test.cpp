// `ksight probe` against independent evidence about this kernel, and against
// what shared/KERNEL.md measured on the machines ksight is developed on.
#include <gtest/gtest.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/subprocess.h"

namespace ksight::testing {
namespace {

using namespace std::chrono_literals;

nlohmann::json probe_json() {
  auto r = run({KSIGHT_BIN, "probe", "--json"}, 60s);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return nlohmann::json::parse(r.out);
}

bool available(const nlohmann::json& doc, const std::string& feature) {
  return doc.at("features").at(feature).at("available").get<bool>();
}

class ProbeKernelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "KERNEL TIER SKIPPED: needs root to load BPF programs";
    doc_ = probe_json();
  }
  nlohmann::json doc_;
};

TEST_F(ProbeKernelTest, AgreesWithTheFilesystem) {
  EXPECT_EQ(available(doc_, "btf"), std::filesystem::exists("/sys/kernel/btf/vmlinux"));
  bool kprobe_pmu = std::filesystem::exists("/sys/bus/event_source/devices/kprobe");
  EXPECT_EQ(available(doc_, "kprobe"), kprobe_pmu) << doc_["features"]["kprobe"].dump();
  if (!kprobe_pmu) {
    EXPECT_NE(doc_["features"]["kprobe"]["detail"].get<std::string>().find("CONFIG_KPROBES"),
              std::string::npos);
  }
  std::ifstream lockdown("/sys/kernel/security/lockdown");
  std::string line;
  if (std::getline(lockdown, line)) {
    auto mode = doc_["kernel"]["lockdown"].get<std::string>();
    EXPECT_NE(line.find("[" + mode + "]"), std::string::npos) << line;
  }
  utsname uts{};
  uname(&uts);
  EXPECT_EQ(doc_["kernel"]["release"].get<std::string>(), uts.release);
}

TEST_F(ProbeKernelTest, EveryNoCarriesAReason) {
  for (const auto& [name, status] : doc_["features"].items()) {
    if (!status["available"].get<bool>()) {
      EXPECT_FALSE(status["detail"].get<std::string>().empty()) << name;
    }
  }
}

// shared/KERNEL.md: Linux 6.18 VMs where tracepoints, raw_tp, tp_btf,
// uprobes, perf_event sampling, tc and cgroup_skb work, kprobes do not exist,
// fentry/LSM are refused with EPERM, and CAP_SYS_RESOURCE is missing.
TEST_F(ProbeKernelTest, MatchesKernelMdOnTheDocumentedMachines) {
  std::string release = doc_["kernel"]["release"].get<std::string>();
  if (release.rfind("6.18", 0) != 0) {
    GTEST_SKIP() << "kernel " << release << " is not the one shared/KERNEL.md documents";
  }
  for (const char* yes : {"btf", "ringbuf", "tracefs", "tracepoint", "raw_tp", "tp_btf", "uprobe",
                          "perf_event", "tc", "cgroup_skb", "iter_task", "sock_msg_tp"}) {
    EXPECT_TRUE(available(doc_, yes)) << yes << ": " << doc_["features"][yes].dump();
  }
  for (const char* no : {"kprobe", "fentry", "lsm"}) {
    EXPECT_FALSE(available(doc_, no)) << no;
  }
  EXPECT_NE(doc_["features"]["fentry"]["detail"].get<std::string>().find("EPERM"),
            std::string::npos)
      << doc_["features"]["fentry"].dump();
  auto missing = doc_["kernel"]["missing_capabilities"].get<std::vector<std::string>>();
  EXPECT_NE(std::find(missing.begin(), missing.end(), "CAP_SYS_RESOURCE"), missing.end());
  EXPECT_EQ(std::find(missing.begin(), missing.end(), "CAP_BPF"), missing.end());
  EXPECT_EQ(doc_["kernel"]["lockdown"].get<std::string>(), "integrity");
}

TEST_F(ProbeKernelTest, TableFormListsEveryFeature) {
  auto r = run({KSIGHT_BIN, "probe"}, 60s);
  ASSERT_EQ(r.exit_code, 0);
  for (const auto& [name, status] : doc_["features"].items()) {
    EXPECT_NE(r.out.find(name), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace ksight::testing
