#include "agent/security_names.h"

#include <gtest/gtest.h>

#include "agent/security_events.h"
#include "agent/security_source.h"

namespace ksight::agent {
namespace {

TEST(SecurityNames, OpenFlags) {
  EXPECT_EQ(open_flags_text(0), "O_RDONLY");
  EXPECT_EQ(open_flags_text(01 | 0100 | 01000), "O_WRONLY|O_CREAT|O_TRUNC");
  EXPECT_EQ(open_flags_text(02 | 02000000), "O_RDWR|O_CLOEXEC");
  EXPECT_EQ(open_flags_text(04010000), "O_RDONLY|O_SYNC");
  EXPECT_EQ(open_flags_text(0100000), "O_RDONLY|O_LARGEFILE");
}

TEST(SecurityNames, NumbersToFalcoSpellings) {
  EXPECT_EQ(signal_text(9), "SIGKILL");
  EXPECT_EQ(signal_text(0), "0");
  EXPECT_EQ(ptrace_request_text(16), "PTRACE_ATTACH");
  EXPECT_EQ(ptrace_request_text(0x4206), "PTRACE_SEIZE");
  EXPECT_EQ(ptrace_request_text(12345), "12345");
  EXPECT_EQ(bpf_cmd_text(5), "BPF_PROG_LOAD");
  EXPECT_EQ(bpf_cmd_text(999), "999");
  EXPECT_EQ(bpf_prog_type_text(1), "BPF_PROG_TYPE_SOCKET_FILTER");
  EXPECT_EQ(errno_text(-111), "ECONNREFUSED");
  EXPECT_EQ(errno_text(0), "");
  EXPECT_EQ(file_mode_text(04755), "04755");
  EXPECT_EQ(chmod_mode_text(02750), "S_ISGID|S_IRUSR|S_IWUSR|S_IXUSR|S_IRGRP|S_IXGRP");
  EXPECT_EQ(chmod_mode_text(0), "0");
  EXPECT_EQ(mount_flags_text(0), "0");
  EXPECT_EQ(mount_flags_text(1 | 2), "MS_RDONLY|MS_NOSUID");
  EXPECT_EQ(memfd_flags_text(1), "MFD_CLOEXEC");
  EXPECT_EQ(security_syscall_name(SecuritySyscall::kExit), "procexit");
  EXPECT_EQ(security_syscall_name(SecuritySyscall::kMemfdCreate), "memfd_create");
  EXPECT_EQ(security_kind_name(SecurityEventKind::kDup), "dup");
}

TEST(SecurityNames, ProgramFamilies) {
  EXPECT_EQ(security_program_family("enter_openat"), SecurityFamily::kOpen);
  EXPECT_EQ(security_program_family("exit_openat2"), SecurityFamily::kOpen);
  EXPECT_EQ(security_program_family("exit_execveat"), SecurityFamily::kExec);
  EXPECT_EQ(security_program_family("sched_exec"), SecurityFamily::kExec);
  EXPECT_EQ(security_program_family("sched_exit"), SecurityFamily::kExit);
  EXPECT_EQ(security_program_family("enter_dup3"), SecurityFamily::kDup);
  EXPECT_EQ(security_program_family("raw_exit_module"), SecurityFamily::kModule);
  EXPECT_EQ(security_program_family("enter_nosuch"), SecurityFamily::kCount);
}

}  // namespace
}  // namespace ksight::agent
