// `ksight probe`: what this kernel lets ksight do, and why not where it
// does not. The same answers drive hook selection everywhere else.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>

#include "agent/feature_probe.h"
#include "cli/command_registry.h"

namespace {

using ksight::agent::Feature;
using ksight::agent::KernelInfo;

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

int print_json(ksight::agent::KernelFeatures& features, const KernelInfo& info) {
  nlohmann::json doc;
  doc["kernel"] = {{"release", info.release},
                   {"lockdown", info.lockdown},
                   {"missing_capabilities", info.missing_capabilities},
                   {"memlock_raisable", info.memlock_raisable},
                   {"cgroup_v2_path", info.cgroup_v2_path},
                   {"tracefs_path", info.tracefs_path}};
  for (Feature f : ksight::agent::all_features()) {
    auto status = features.status(f);
    doc["features"][std::string(ksight::agent::feature_name(f))] = {{"available", status.available},
                                                                    {"detail", status.detail}};
  }
  std::printf("%s\n", doc.dump(2).c_str());
  return 0;
}

int print_table(ksight::agent::KernelFeatures& features, const KernelInfo& info) {
  std::printf("kernel        %s\n", info.release.c_str());
  std::printf("lockdown      %s\n", info.lockdown.c_str());
  std::printf("capabilities  %s\n", info.missing_capabilities.empty()
                                        ? "all present"
                                        : ("missing " + join(info.missing_capabilities)).c_str());
  std::printf("memlock       %s\n", info.memlock_raisable
                                        ? "raisable"
                                        : "cannot raise RLIMIT_MEMLOCK (fine with memcg "
                                          "accounting, kernel 5.11+)");
  std::printf("cgroup v2     %s\n",
              info.cgroup_v2_path.empty() ? "not mounted" : info.cgroup_v2_path.c_str());
  std::printf("\n%-12s %-4s %s\n", "FEATURE", "OK", "DETAIL");
  for (Feature f : ksight::agent::all_features()) {
    auto status = features.status(f);
    std::printf("%-12s %-4s %s\n", std::string(ksight::agent::feature_name(f)).c_str(),
                status.available ? "yes" : "no", status.detail.c_str());
  }
  return 0;
}

std::function<int()> setup_probe(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("probe", "Probe what this kernel allows (hooks, maps, privileges)");
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "Machine-readable output");
  return [json] {
    auto& features = ksight::agent::kernel_features();
    // Feature probes first: probing tracepoints may mount tracefs, which the
    // kernel facts then report.
    for (Feature f : ksight::agent::all_features()) features.status(f);
    KernelInfo info = features.info();
    return *json ? print_json(features, info) : print_table(features, info);
  };
}

}  // namespace

KSIGHT_REGISTER_COMMAND(10, setup_probe);
