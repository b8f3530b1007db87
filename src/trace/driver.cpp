#include "trace/driver.h"

#include <bpf/libbpf.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cctype>
#include <cstring>
#include <set>
#include <sstream>

#include "common/error.h"
#include "trace/diagnostics.h"
#include "trace/parser.h"
#include "trace/passes/semantic_analyser.h"
#include "trace/runtime/elf_resolve.h"
#include "trace/runtime/session.h"
#include "trace/tracefs.h"

namespace ksight::trace {

namespace {

uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// The -c command starts blocked on a pipe so no event is missed: it runs
// once the session closes the write end after attaching.
struct Child {
  pid_t pid = -1;
  int go_fd = -1;
};

// Like bpftrace, a plain command is executed directly (so -c's pid is the
// command's own); anything with shell syntax goes through /bin/sh -c.
std::vector<std::string> command_words(const std::string& command) {
  if (command.find_first_of("|&;<>()$`\\\"'*?[]{}~") != std::string::npos) return {};
  std::vector<std::string> words;
  std::istringstream in(command);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

Child spawn_waiting(const std::string& command) {
  std::vector<std::string> words = command_words(command);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw Error(std::string("pipe: ") + std::strerror(errno));
  pid_t pid = fork();
  if (pid < 0) throw Error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::close(fds[1]);
    char c;
    while (::read(fds[0], &c, 1) > 0) {
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (!words.empty()) {
      std::vector<char*> argv;
      for (auto& w : words) argv.push_back(w.data());
      argv.push_back(nullptr);
      execvp(argv[0], argv.data());
      _exit(127);
    }
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  ::close(fds[0]);
  return {pid, fds[1]};
}

void abandon(Child& child) {
  if (child.pid <= 0) return;
  kill(child.pid, SIGKILL);
  ::close(child.go_fd);
  waitpid(child.pid, nullptr, 0);
}

// $N in an attach point (uprobe:$1:main, interval:ms:$2) is replaced by the
// argument's text, as in bpftrace; a missing one is an error there.
void substitute_attach_params(ast::Program& program, std::string_view source,
                              const std::vector<std::string>& params) {
  for (ast::Probe* p : program.probes) {
    for (ast::AttachPoint& ap : p->attach_points) {
      std::string out;
      for (size_t i = 0; i < ap.text.size(); ++i) {
        size_t j = i + 1;
        while (ap.text[i] == '$' && j < ap.text.size() &&
               std::isdigit(static_cast<unsigned char>(ap.text[j])))
          ++j;
        if (j == i + 1) {
          out += ap.text[i];
          continue;
        }
        size_t n = std::stoul(ap.text.substr(i + 1, j - i - 1));
        if (n == 0 || n > params.size()) {
          fail(source, ap.loc,
               "attach point " + ap.text + " uses $" + std::to_string(n) + ", which is not given");
        }
        out += params[n - 1];
        i = j - 1;
      }
      ap.text = out;
    }
  }
}

}  // namespace

std::unique_ptr<Compilation> compile(std::string source, ProbeEnvironment& env,
                                     const codegen::CodegenOptions& options,
                                     const std::vector<std::string>& params) {
  auto c = std::make_unique<Compilation>();
  c->source = std::move(source);
  c->program = parse(c->source, c->arena);
  c->info.params = params;
  substitute_attach_params(c->program, c->source, params);
  c->probes = resolve_probes(c->program, c->source, env);
  analyse_program(c->source, c->probes, c->info);
  for (const auto& probe : c->probes) {
    c->programs.push_back(codegen::generate(probe, c->source, c->info, options));
  }
  return c;
}

int run_trace(const TraceOptions& options) {
  std::string root = options.tracefs_root ? options.tracefs_root() : "/sys/kernel/tracing";
  Tracefs tracefs(root);
  ProbeEnvironment env;
  env.features = options.features;
  if (!root.empty()) env.tracepoints = &tracefs;
  env.tracefs_error = "tracefs is not mounted and could not be mounted";

  Child child;
  if (!options.command.empty()) child = spawn_waiting(options.command);
  try {
    codegen::CodegenOptions cg;
    // As in bpftrace, -c does not narrow the probes to the command (its
    // children would be lost): programs filter with `cpid`. -p does.
    cg.filter_pid = options.pid;
    cg.start_ns = monotonic_ns();
    cg.child_pid = child.pid > 0 ? child.pid : 0;
    cg.ncpus = libbpf_num_possible_cpus();
    auto compiled = compile(options.program, env, cg, options.params);
    runtime::CompiledProgram program{compiled->source, &compiled->info, compiled->probes,
                                     compiled->programs, env.tracepoints};
    runtime::SessionOptions so;
    so.format = options.format;
    so.filter_pid = static_cast<int>(cg.filter_pid);
    so.child = child.pid;
    so.child_go_fd = child.go_fd;
    so.out = options.out;
    so.signals = options.signals;
    so.ringbuf_bytes = options.ringbuf_bytes;
    int rc = runtime::run_session(program, so);
    return rc;
  } catch (...) {
    abandon(child);
    throw;
  }
}

namespace {

// "    const char * filename", as bpftrace -lv prints a tracepoint's fields.
void append_fields(std::vector<std::string>& lines, Tracefs& tracefs, const std::string& probe) {
  auto first = probe.find(':'), second = probe.find(':', first + 1);
  auto format =
      tracefs.format(probe.substr(first + 1, second - first - 1), probe.substr(second + 1));
  if (!format) return;
  for (const auto& f : format->fields) {
    std::string line = "    " + f.type + " " + f.name;
    if (f.array_len) line += "[" + std::to_string(f.array_len) + "]";
    lines.push_back(line);
  }
}

// uprobe:PATH[:PATTERN] lists PATH's functions, usdt:PATH[:PATTERN] its
// USDT probes (provider:name), like bpftrace -l.
std::vector<std::string> list_user_probes(const std::string& type, const std::string& rest) {
  auto colon = rest.find(':');
  std::string path = runtime::resolve_binary(rest.substr(0, colon));
  std::string pat =
      colon == std::string::npos || colon + 1 == rest.size() ? "*" : rest.substr(colon + 1);
  std::set<std::string> names;
  if (type == "usdt") {
    for (const auto& p : runtime::read_usdt_probes(path)) {
      std::string name = p.provider + ":" + p.name;
      if (glob_match(pat, name) || glob_match(pat, p.name)) names.insert(name);
    }
  } else {
    for (const auto& f : runtime::function_symbols(path)) {
      if (glob_match(pat, f.name)) names.insert(f.name);
    }
  }
  std::vector<std::string> out;
  for (const auto& n : names) out.push_back(type + ":" + path + ":" + n);
  return out;
}

}  // namespace

std::vector<std::string> list_matching_probes(const std::string& pattern,
                                              const std::string& tracefs_root, bool verbose) {
  for (const auto& [prefix, type] : std::initializer_list<std::pair<const char*, const char*>>{
           {"uprobe:", "uprobe"}, {"u:", "uprobe"}, {"usdt:", "usdt"}, {"U:", "usdt"}}) {
    if (pattern.rfind(prefix, 0) == 0)
      return list_user_probes(type, pattern.substr(strlen(prefix)));
  }
  if (tracefs_root.empty())
    throw CapabilityError("cannot list tracepoints: tracefs is not mounted");
  Tracefs tracefs(tracefs_root);
  std::vector<std::string> probes = list_probes(pattern, tracefs);
  if (!verbose) return probes;
  std::vector<std::string> lines;
  for (const auto& p : probes) {
    lines.push_back(p);
    append_fields(lines, tracefs, p);
  }
  return lines;
}

}  // namespace ksight::trace
