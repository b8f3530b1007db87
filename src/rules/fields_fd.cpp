// fd.*: the file or socket an event is about.
#include <charconv>

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

bool port(uint32_t value, FieldValue& o) {
  return value != 0 && set_num(o, value);
}

// FdInfo keeps the client as sip/sport and the server as dip/dport; the
// fields follow Falco: fd.cip/fd.cport the client, fd.sip/fd.sport the
// server, fd.lip/fd.rip our end and the peer.
const std::string& client_ip(EvalContext& c) {
  return fd(c).sip;
}
const std::string& server_ip(EvalContext& c) {
  return fd(c).dip;
}
const std::string& local_ip(EvalContext& c) {
  return fd(c).is_server ? fd(c).dip : fd(c).sip;
}
const std::string& remote_ip(EvalContext& c) {
  return fd(c).is_server ? fd(c).sip : fd(c).dip;
}
bool ip(const std::string& value, FieldValue& o) {
  return set_str(o, value);
}

bool is_open_like(EventType t) {
  return t == EventType::kOpen || t == EventType::kOpenat || t == EventType::kOpenat2 ||
         t == EventType::kAccept || t == EventType::kMemfdCreate;
}

// The fd number: the result of calls that make one (-1 when they failed, as
// Falco's `fd.num=-1` of failed opens), the old fd of dup2/dup3, else the
// call's "fd" argument.
bool fd_num(EvalContext& c, FieldValue& o) {
  const SecurityEvent& e = c.event();
  if (is_open_like(e.type)) return set_num(o, e.res >= 0 ? e.res : -1);
  bool dup = e.type == EventType::kDup2 || e.type == EventType::kDup3;
  const std::string* text = e.arg(dup ? "oldfd" : "fd");
  int64_t n = 0;
  if (!text) return false;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  return ec == std::errc() && end == text->data() + text->size() && set_num(o, n);
}

bool connected(EvalContext& c, FieldValue& o) {
  EventType t = c.event().type;
  char tc = fd(c).type_char;
  if (tc != '4' && tc != '6' && tc != 'u') return false;
  if (t != EventType::kConnect && t != EventType::kAccept) return false;
  return set_num(o, c.event().res >= 0);
}

bool sockfamily(EvalContext& c, FieldValue& o) {
  char t = fd(c).type_char;
  if (is_socket(t)) return set_str(o, "ip");
  return t == 'u' && set_str(o, "unix");
}

bool nameraw(EvalContext& c, FieldValue& o) {
  return set_str(o, fd(c).nameraw.empty() ? std::string_view(fd(c).name) : fd(c).nameraw);
}

const FieldInfo kFdFields[] = {
    {"fd.num", FieldType::kInt, FieldArgKind::kNone,
     "The fd number: the result of open/accept/memfd_create (-1 when it failed), the old fd "
     "of dup2/dup3, the fd argument of connect, fchmod, fchown, finit_module.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return fd_num(c, o); }},
    {"fd.name", FieldType::kString, FieldArgKind::kNone,
     "Resolved path for files, the socket path for unix sockets, `cip:cport->sip:sport` for "
     "IP sockets.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return set_str(o, c.fd_name()); }},
    {"fd.nameraw", FieldType::kString, FieldArgKind::kNone,
     "The path as the caller passed it, before resolution (may hold `../`); fd.name when the "
     "source did not record it.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return nameraw(c, o); }},
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
    {"fd.sockfamily", FieldType::kString, FieldArgKind::kNone,
     "`ip` for IPv4 and IPv6 sockets, `unix` for unix sockets.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return sockfamily(c, o); }},
    {"fd.connected", FieldType::kBool, FieldArgKind::kNone,
     "For the socket of a connect or accept: true when the call succeeded.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return connected(c, o); }},
    {"fd.cip", FieldType::kString, FieldArgKind::kNone, "Client IP address.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return ip(client_ip(c), o); }},
    {"fd.sip", FieldType::kString, FieldArgKind::kNone,
     "Server IP address (Falco's meaning: the connect destination, the accept side's own "
     "address).",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return ip(server_ip(c), o); }},
    {"fd.lip", FieldType::kString, FieldArgKind::kNone, "Local IP address of the socket.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) {
       return is_socket(fd(c).type_char) && ip(local_ip(c), o);
     }},
    {"fd.rip", FieldType::kString, FieldArgKind::kNone, "Remote IP address of the socket.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) {
       return is_socket(fd(c).type_char) && ip(remote_ip(c), o);
     }},
    {"fd.ip", FieldType::kString, FieldArgKind::kNone,
     "In conditions: matches when the client or the server IP does (`fd.ip != X`: neither "
     "is X). In outputs: the server IP.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return ip(server_ip(c), o); }},
    {"fd.dip", FieldType::kString, FieldArgKind::kNone,
     "Destination (server) IP address; the same as fd.sip.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return ip(server_ip(c), o); }},
    {"fd.cport", FieldType::kInt, FieldArgKind::kNone, "Client port.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return port(fd(c).sport, o); }},
    {"fd.sport", FieldType::kInt, FieldArgKind::kNone,
     "Server port (Falco's meaning: the port connected to or accepted on).",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return port(fd(c).dport, o); }},
    {"fd.dport", FieldType::kInt, FieldArgKind::kNone,
     "Destination (server) port; the same as fd.sport.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return port(fd(c).dport, o); }},
    {"fd.lport", FieldType::kInt, FieldArgKind::kNone, "Local port of the socket.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) {
       return is_socket(fd(c).type_char) && port(fd(c).is_server ? fd(c).dport : fd(c).sport, o);
     }},
    {"fd.rport", FieldType::kInt, FieldArgKind::kNone, "Remote port of the socket.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) {
       return is_socket(fd(c).type_char) && port(fd(c).is_server ? fd(c).sport : fd(c).dport, o);
     }},
    {"fd.port", FieldType::kInt, FieldArgKind::kNone,
     "In conditions: matches when the client or the server port does. In outputs: the server "
     "port.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return port(fd(c).dport, o); }},
    {"fd.cnet", FieldType::kIpNet, FieldArgKind::kNone,
     "The client IP, compared with networks: `fd.cnet = 10.0.0.0/8`, `fd.cnet in (...)`.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return ip(client_ip(c), o); }},
    {"fd.snet", FieldType::kIpNet, FieldArgKind::kNone, "The server IP, compared with networks.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return ip(server_ip(c), o); }},
    {"fd.lnet", FieldType::kIpNet, FieldArgKind::kNone, "The local IP, compared with networks.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) {
       return is_socket(fd(c).type_char) && ip(local_ip(c), o);
     }},
    {"fd.rnet", FieldType::kIpNet, FieldArgKind::kNone, "The remote IP, compared with networks.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) {
       return is_socket(fd(c).type_char) && ip(remote_ip(c), o);
     }},
    {"fd.net", FieldType::kIpNet, FieldArgKind::kNone,
     "Matches when the client or the server IP is in the network (`fd.net != "
     "127.0.0.0/8`: neither is). In outputs: the server IP.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return ip(server_ip(c), o); }},
    {"fd.l4proto", FieldType::kString, FieldArgKind::kNone, "Transport protocol: tcp or udp.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return set_str(o, fd(c).l4proto); }},
};

}  // namespace

std::span<const FieldInfo> fd_fields() {
  return kFdFields;
}

}  // namespace ksight::rules
