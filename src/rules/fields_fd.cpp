// fd.*: the file or socket an event is about.
#include "rules/field_helpers.h"

namespace ksight::rules {

namespace {

using detail::set_num;
using detail::set_str;

const FdInfo& fd(EvalContext& c) {
  return c.event().fd;
}

bool is_socket(char t) {
  return t == '4' || t == '6';
}

bool is_path(EvalContext& c) {
  char t = fd(c).type_char;
  return (t == 'f' || t == 'd' || t == 0) && fd(c).name.starts_with('/');
}

std::string_view type_name(char t) {
  switch (t) {
    case 'f':
      return "file";
    case 'd':
      return "directory";
    case '4':
      return "ipv4";
    case '6':
      return "ipv6";
    case 'u':
      return "unix";
    case 'p':
      return "pipe";
    case 'e':
      return "event";
    case 's':
      return "signalfd";
    case 'l':
      return "eventpoll";
    case 'i':
      return "inotify";
    case 't':
      return "timerfd";
    case 'n':
      return "netlink";
    case 'b':
      return "bpf";
    case 'm':
      return "memfd";
    case 'o':
      return "other";
    default:
      return "";
  }
}

bool directory(EvalContext& c, FieldValue& o) {
  if (!is_path(c)) return false;
  std::string_view name = fd(c).name;
  size_t slash = name.rfind('/');
  return set_str(o, slash == 0 ? name.substr(0, 1) : name.substr(0, slash));
}

bool filename(EvalContext& c, FieldValue& o) {
  if (!is_path(c)) return false;
  std::string_view name = fd(c).name;
  return set_str(o, name.substr(name.rfind('/') + 1));
}

// The server end is the destination of a connect and the local end of an accept.
bool local_ip(EvalContext& c, FieldValue& o) {
  return is_socket(fd(c).type_char) && set_str(o, fd(c).is_server ? fd(c).dip : fd(c).sip);
}
bool remote_ip(EvalContext& c, FieldValue& o) {
  return is_socket(fd(c).type_char) && set_str(o, fd(c).is_server ? fd(c).sip : fd(c).dip);
}
bool port(uint32_t value, FieldValue& o) {
  return value != 0 && set_num(o, value);
}

const FieldInfo kFdFields[] = {
    {"fd.name", FieldType::kString, FieldArgKind::kNone,
     "Resolved path for files, the socket path for unix sockets, `sip:sport->dip:dport` for "
     "IP sockets.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return set_str(o, c.fd_name()); }},
    {"fd.directory", FieldType::kString, FieldArgKind::kNone,
     "Directory part of fd.name for files.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return directory(c, o); }},
    {"fd.filename", FieldType::kString, FieldArgKind::kNone, "File name part of fd.name for files.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return filename(c, o); }},
    {"fd.typechar", FieldType::kString, FieldArgKind::kNone,
     "One letter: f file, d directory, 4 IPv4, 6 IPv6, u unix, p pipe, e eventfd, s signalfd, "
     "l eventpoll, i inotify, t timerfd, n netlink, b bpf, m memfd, o other.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) {
       const char& t = fd(c).type_char;
       return t != 0 && set_str(o, std::string_view(&t, 1));
     }},
    {"fd.type", FieldType::kString, FieldArgKind::kNone,
     "fd.typechar spelled out: file, directory, ipv4, ipv6, unix, pipe, memfd, ...",
     [](EvalContext& c, const FieldArg&, FieldValue& o) {
       return set_str(o, type_name(fd(c).type_char));
     }},
    {"fd.sip", FieldType::kString, FieldArgKind::kNone, "Source (client) IP address.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return set_str(o, fd(c).sip); }},
    {"fd.sport", FieldType::kInt, FieldArgKind::kNone, "Source (client) port.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return port(fd(c).sport, o); }},
    {"fd.dip", FieldType::kString, FieldArgKind::kNone, "Destination (server) IP address.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return set_str(o, fd(c).dip); }},
    {"fd.dport", FieldType::kInt, FieldArgKind::kNone, "Destination (server) port.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return port(fd(c).dport, o); }},
    {"fd.lip", FieldType::kString, FieldArgKind::kNone, "Local IP address of the socket.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return local_ip(c, o); }},
    {"fd.rip", FieldType::kString, FieldArgKind::kNone, "Remote IP address of the socket.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return remote_ip(c, o); }},
    {"fd.lport", FieldType::kInt, FieldArgKind::kNone, "Local port of the socket.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) {
       return is_socket(fd(c).type_char) && port(fd(c).is_server ? fd(c).dport : fd(c).sport, o);
     }},
    {"fd.rport", FieldType::kInt, FieldArgKind::kNone, "Remote port of the socket.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) {
       return is_socket(fd(c).type_char) && port(fd(c).is_server ? fd(c).sport : fd(c).dport, o);
     }},
    {"fd.l4proto", FieldType::kString, FieldArgKind::kNone, "Transport protocol: tcp or udp.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return set_str(o, fd(c).l4proto); }},
};

}  // namespace

std::span<const FieldInfo> fd_fields() {
  return kFdFields;
}

}  // namespace ksight::rules
