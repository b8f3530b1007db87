#include "unwind/process_unwinder.h"

#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "symbolizer/proc_maps.h"

namespace ksight::unwind {
namespace {

// Modules are reported with open descriptors, so libdwfl never searches for
// files itself; separate debug files are not looked for either (a search per
// module per process, possibly over the network with DEBUGINFOD_URLS):
// .eh_frame is in the loaded file, and .debug_frame is used when the file
// itself has it.
int no_elf(Dwfl_Module*, void**, const char*, Dwarf_Addr, char**, Elf**) {
  return -1;
}
int no_debuginfo(Dwfl_Module*, void**, const char*, Dwarf_Addr, const char*, const char*, GElf_Word,
                 char**) {
  return -1;
}

const Dwfl_Callbacks kDwflCallbacks = {
    .find_elf = no_elf,
    .find_debuginfo = no_debuginfo,
    .section_address = dwfl_offline_section_address,
    .debuginfo_path = nullptr,
};

// The vDSO is the same image in every 64-bit process of this kernel: ours,
// copied once into a memfd that every session reports at the target's
// [vdso] address. Samples in clock_gettime() unwind through it.
int vdso_fd() {
  static int fd = [] {
    auto* image = reinterpret_cast<const uint8_t*>(getauxval(AT_SYSINFO_EHDR));
    if (!image) return -1;
    std::ifstream maps("/proc/self/maps");
    std::string line;
    size_t size = 0;
    while (std::getline(maps, line)) {
      if (line.find("[vdso]") == std::string::npos) continue;
      auto entry = symbolizer::parse_maps_line(line);
      if (entry) size = entry->limit - entry->start;
    }
    int memfd = size ? memfd_create("ksight-vdso", MFD_CLOEXEC) : -1;
    if (memfd >= 0 && write(memfd, image, size) != static_cast<ssize_t>(size)) {
      close(memfd);
      memfd = -1;
    }
    return memfd;
  }();
  return fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
}

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "%lx", static_cast<unsigned long>(v));
  return buf;
}

// A file mapped several times (text, rodata, data) is one module; its load
// base is where file offset 0 would be mapped.
struct FileGroup {
  const symbolizer::MapsEntry* lowest = nullptr;
  const symbolizer::MapsEntry* executable = nullptr;
};

}  // namespace

ProcessUnwinder::ProcessUnwinder(uint32_t pid, const UnwinderOptions& options)
    : pid_(pid), options_(options) {
  load();
}

ProcessUnwinder::~ProcessUnwinder() {
  if (dwfl_) dwfl_end(dwfl_);
}

void ProcessUnwinder::load() {
  loaded_at_ = Clock::now();
  const std::string dir = options_.proc_root + "/" + std::to_string(pid_);
  std::ifstream in(dir + "/maps");
  std::stringstream text;
  text << in.rdbuf();
  auto entries = symbolizer::parse_maps(text.str());
  if (!in || entries.empty()) {
    gone_ = true;
    return;
  }
  std::map<std::tuple<uint64_t, uint32_t, uint32_t, std::string>, FileGroup> files;
  const symbolizer::MapsEntry* vdso = nullptr;
  for (const auto& e : entries) {
    if (e.executable) executable_.push_back({e.start, e.limit});
    if (e.kind == symbolizer::MappingKind::kVdso) vdso = &e;
    if (e.kind != symbolizer::MappingKind::kFile) continue;
    auto& group = files[{e.inode, e.dev_major, e.dev_minor, e.path}];
    if (!group.lowest || e.offset < group.lowest->offset) group.lowest = &e;
    if (e.executable && !group.executable) group.executable = &e;
  }
  dwfl_ = dwfl_begin(&kDwflCallbacks);
  if (!dwfl_) return;
  dwfl_report_begin(dwfl_);
  for (const auto& [key, group] : files) {
    if (!group.executable) continue;
    const auto& e = *group.executable;
    int fd = -1;
    if (options_.use_map_files) {
      fd = open((dir + "/map_files/" + hex(e.start) + "-" + hex(e.limit)).c_str(),
                O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0) fd = open((dir + "/root" + e.path).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    uint64_t base = group.lowest->start - group.lowest->offset;
    std::string name = e.path.substr(e.path.rfind('/') + 1);
    // On success libdwfl owns the descriptor.
    if (dwfl_report_elf(dwfl_, name.c_str(), e.path.c_str(), fd, base, false)) {
      ++modules_;
    } else {
      close(fd);
    }
  }
  if (vdso) {
    int fd = vdso_fd();
    if (fd >= 0 && dwfl_report_elf(dwfl_, "[vdso]", "[vdso]", fd, vdso->start, false)) {
      ++modules_;
    } else if (fd >= 0) {
      close(fd);
    }
  }
  dwfl_report_end(dwfl_, nullptr, nullptr);
  static const Dwfl_Thread_Callbacks kThreadCallbacks = {
      .next_thread = &ProcessUnwinder::next_thread,
      .get_thread = &ProcessUnwinder::get_thread,
      .memory_read = &ProcessUnwinder::memory_read,
      .set_initial_registers = &ProcessUnwinder::set_initial_registers,
      .detach = nullptr,
      .thread_detach = nullptr,
  };
  if (modules_ > 0) {
    attached_ =
        dwfl_attach_state(dwfl_, nullptr, static_cast<pid_t>(pid_), &kThreadCallbacks, this);
  }
}

bool ProcessUnwinder::in_executable_mapping(uint64_t pc) const {
  return std::any_of(executable_.begin(), executable_.end(),
                     [pc](const Range& r) { return pc >= r.start && pc < r.limit; });
}

UnwindResult ProcessUnwinder::unwind(const StackSnapshot& snapshot, size_t max_depth) {
  UnwindResult result;
  if (gone_) {
    result.error = UnwindError::kProcessGone;
    return result;
  }
  if (!attached_) {
    result.frames.push_back(snapshot.ip());
    result.error =
        in_executable_mapping(snapshot.ip()) ? UnwindError::kNoCfi : UnwindError::kNoModule;
    return result;
  }
  current_ = &snapshot;
  result_ = &result;
  max_depth_ = std::max<size_t>(1, max_depth);
  thread_given_ = false;
  depth_limited_ = false;
  read_fault_ = false;
  pid_t tid = static_cast<pid_t>(snapshot.tid ? snapshot.tid : pid_);
  int rc = dwfl_getthread_frames(dwfl_, tid, &ProcessUnwinder::on_frame, this);
  current_ = nullptr;
  result_ = nullptr;
  if (result.frames.empty()) result.frames.push_back(snapshot.ip());
  // libdwfl ends a walk quietly (rc 0) when a caller's registers cannot be
  // read; a fault since the last frame means the walk was cut short.
  if (rc != 0 || depth_limited_ || read_fault_) {
    result.error = classify_failure(snapshot, result.frames.back(), result.frames.size());
  }
  return result;
}

UnwindError ProcessUnwinder::classify_failure(const StackSnapshot& snapshot, uint64_t last_pc,
                                              size_t depth) const {
  if (depth_limited_) return UnwindError::kMaxDepth;
  uint64_t lookup = depth > 1 ? last_pc - 1 : last_pc;
  if (!in_executable_mapping(lookup) || !dwfl_addrmodule(dwfl_, lookup)) {
    return UnwindError::kNoModule;
  }
  if (read_fault_) {
    return fault_address_ >= snapshot.sp() + snapshot.stack.size() ? UnwindError::kTruncatedStack
                                                                   : UnwindError::kBadMemory;
  }
  return UnwindError::kNoCfi;
}

int ProcessUnwinder::on_frame(Dwfl_Frame* frame, void* arg) {
  auto* self = static_cast<ProcessUnwinder*>(arg);
  Dwarf_Addr pc = 0;
  bool activation = false;
  if (!dwfl_frame_pc(frame, &pc, &activation)) return DWARF_CB_ABORT;
  auto& frames = self->result_->frames;
  // Return addresses are symbolized at pc-1; an activation frame below the
  // leaf (a signal frame's interrupted pc) is exact, so keep it exact.
  frames.push_back(activation && !frames.empty() ? pc + 1 : pc);
  if (frames.size() >= self->max_depth_) {
    self->depth_limited_ = true;
    return DWARF_CB_ABORT;
  }
  return DWARF_CB_OK;
}

pid_t ProcessUnwinder::next_thread(Dwfl*, void* dwfl_arg, void** thread_argp) {
  auto* self = static_cast<ProcessUnwinder*>(dwfl_arg);
  if (self->thread_given_ || !self->current_) return 0;
  self->thread_given_ = true;
  *thread_argp = self;
  return static_cast<pid_t>(self->current_->tid ? self->current_->tid : self->pid_);
}

bool ProcessUnwinder::get_thread(Dwfl*, pid_t, void* dwfl_arg, void** thread_argp) {
  *thread_argp = dwfl_arg;
  return static_cast<ProcessUnwinder*>(dwfl_arg)->current_ != nullptr;
}

bool ProcessUnwinder::memory_read(Dwfl*, Dwarf_Addr address, Dwarf_Word* result, void* dwfl_arg) {
  auto* self = static_cast<ProcessUnwinder*>(dwfl_arg);
  auto word = self->current_ ? self->current_->read_word(address) : std::nullopt;
  if (!word) {
    self->read_fault_ = true;
    self->fault_address_ = address;
    return false;
  }
  *result = *word;
  return true;
}

bool ProcessUnwinder::set_initial_registers(Dwfl_Thread* thread, void* thread_arg) {
  auto* self = static_cast<ProcessUnwinder*>(thread_arg);
  Dwarf_Word regs[kUserRegs];
  std::copy(self->current_->regs.begin(), self->current_->regs.end(), regs);
  dwfl_thread_state_register_pc(thread, regs[kRegRip]);
  return dwfl_thread_state_registers(thread, 0, kUserRegs, regs);
}

std::optional<bool> ProcessUnwinder::frame_pointer_based(uint64_t pc) {
  if (!attached_) return std::nullopt;
  if (auto it = fp_memo_.find(pc); it != fp_memo_.end()) return it->second;
  Dwfl_Module* module = dwfl_addrmodule(dwfl_, pc);
  if (!module) return std::nullopt;
  Dwarf_Addr bias = 0;
  Dwarf_CFI* cfi = dwfl_module_eh_cfi(module, &bias);
  if (!cfi) cfi = dwfl_module_dwarf_cfi(module, &bias);
  Dwarf_Frame* frame = nullptr;
  if (!cfi || dwarf_cfi_addrframe(cfi, pc - bias, &frame) != 0) return std::nullopt;
  Dwarf_Op* ops = nullptr;
  size_t nops = 0;
  bool rbp_based =
      dwarf_frame_cfa(frame, &ops, &nops) == 0 && nops == 1 &&
      (ops[0].atom == DW_OP_breg6 || (ops[0].atom == DW_OP_bregx && ops[0].number == 6));
  std::free(frame);
  if (fp_memo_.size() >= options_.fp_memo_per_process) fp_memo_.clear();
  fp_memo_.emplace(pc, rbp_based);
  return rbp_based;
}

size_t ProcessUnwinder::approximate_bytes() const {
  // libdwfl keeps per module its Dwfl_Module, the Elf descriptor and, once
  // used, the parsed CIE/FDE caches; 4 KiB per module is the order measured
  // by bench/unwind_vs_perf.sh (RSS per process session).
  return sizeof(*this) + modules_ * 4096 + executable_.size() * sizeof(Range) +
         fp_memo_.size() * 32;
}

}  // namespace ksight::unwind
