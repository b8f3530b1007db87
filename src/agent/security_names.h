#pragma once
// Symbolic text for the numbers in security events, in the spellings
// Falco's rules match on ("O_WRONLY|O_CREAT", "PTRACE_ATTACH", "SIGKILL").
#include <cstdint>
#include <string>

namespace ksight::agent {

std::string open_flags_text(uint64_t flags);  // "O_RDONLY", "O_WRONLY|O_CREAT|O_TRUNC"
std::string file_mode_text(uint32_t mode);    // "0755" (octal, with setuid bits)
// chmod's mode as Falco renders it, one flag per bit:
// 04755 -> "S_ISUID|S_IRUSR|S_IWUSR|S_IXUSR|S_IRGRP|S_IXGRP|S_IROTH|S_IXOTH".
std::string chmod_mode_text(uint32_t mode);
std::string ptrace_request_text(int64_t request);  // "PTRACE_ATTACH", else decimal
std::string signal_text(int32_t sig);              // "SIGKILL", "0" for 0
std::string bpf_cmd_text(int32_t cmd);             // "BPF_PROG_LOAD", else decimal
std::string bpf_prog_type_text(uint32_t type);     // "BPF_PROG_TYPE_KPROBE", else decimal
std::string mount_flags_text(uint64_t flags);      // "MS_RDONLY|MS_NOSUID", "0"
std::string memfd_flags_text(uint32_t flags);      // "MFD_CLOEXEC|MFD_ALLOW_SEALING", "0"
std::string errno_text(int64_t res);               // "ECONNREFUSED" for -111, "" when res >= 0

}  // namespace ksight::agent
