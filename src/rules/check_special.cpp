#include "rules/check_special.h"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <cstring>

namespace ksight::rules::detail {

namespace {

class ConstCheck : public Check {
 public:
  explicit ConstCheck(bool value) : value_(value) {}
  bool eval(EvalContext&) const override { return value_; }

 private:
  bool value_;
};

// An IPv4 or IPv6 address as 16 bytes (IPv4 mapped into ::ffff:0:0/96, so a
// v4 network also matches a v4-mapped v6 peer).
struct Address {
  std::array<uint8_t, 16> bytes{};
};

bool parse_address(std::string_view text, Address* out) {
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof buf) return false;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  in_addr v4{};
  if (inet_pton(AF_INET, buf, &v4) == 1) {
    out->bytes = {};
    out->bytes[10] = out->bytes[11] = 0xff;
    std::memcpy(&out->bytes[12], &v4, 4);
    return true;
  }
  return inet_pton(AF_INET6, buf, out->bytes.data()) == 1;
}

struct Network {
  Address base;
  int prefix = 128;  // in bits of the 16-byte form
  bool contains(const Address& a) const {
    int full = prefix / 8, rest = prefix % 8;
    if (std::memcmp(a.bytes.data(), base.bytes.data(), full) != 0) return false;
    if (rest == 0) return true;
    uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
    return (a.bytes[full] & mask) == (base.bytes[full] & mask);
  }
};

// "10.0.0.0/8", "fc00::/7", "127.0.0.1" (a single host).
bool parse_network(std::string_view text, Network* out) {
  size_t slash = text.find('/');
  if (!parse_address(text.substr(0, slash), &out->base)) return false;
  bool v4 = text.substr(0, slash).find(':') == std::string_view::npos;
  int max_bits = v4 ? 32 : 128, bits = max_bits;
  if (slash != std::string_view::npos) {
    std::string_view len = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(len.data(), len.data() + len.size(), bits);
    if (ec != std::errc() || end != len.data() + len.size() || bits < 0 || bits > max_bits) {
      return false;
    }
  }
  out->prefix = v4 ? bits + 96 : bits;
  return true;
}

class IpNetCheck : public Check {
 public:
  IpNetCheck(ResolvedField field, bool negate, std::vector<Network> nets)
      : field_(std::move(field)), negate_(negate), nets_(std::move(nets)) {}
  bool eval(EvalContext& ctx) const override {
    FieldValue v;
    if (!field_.info->extract(ctx, field_.arg, v)) return false;
    Address a;
    if (!parse_address(v.str, &a)) return false;
    for (const auto& n : nets_) {
      if (n.contains(a)) return !negate_;
    }
    return negate_;
  }

 private:
  ResolvedField field_;
  bool negate_;
  std::vector<Network> nets_;
};

}  // namespace

CheckPtr make_const(bool value) {
  return std::make_unique<ConstCheck>(value);
}

CheckPtr compile_dir(const Node& node, Diagnostics& diags) {
  bool positive = node.op == CompareOp::kEq || node.op == CompareOp::kIn;
  if (!positive && node.op != CompareOp::kNe && node.op != CompareOp::kExists) {
    diags.error(node.op_pos.locate(), "evt.dir takes =, != or in");
    return nullptr;
  }
  for (const auto& v : node.values) {
    if (v.text != "<" && v.text != ">") {
      diags.error(v.pos.locate(), "evt.dir is '<' (exit) or '>' (enter), got '" + v.text + "'");
      return nullptr;
    }
  }
  return make_const(node.op != CompareOp::kNe &&
                    (node.op == CompareOp::kExists || !node.values.empty()));
}

CheckPtr compile_ipnet(ResolvedField field, const Node& node, Diagnostics& diags) {
  bool negate = node.op == CompareOp::kNe;
  if (!negate && node.op != CompareOp::kEq && node.op != CompareOp::kIn &&
      node.op != CompareOp::kIntersects) {
    diags.error(node.op_pos.locate(), "network field '" + node.field + "' takes =, !=, in");
    return nullptr;
  }
  std::vector<Network> nets;
  for (const auto& v : node.values) {
    Network n;
    if (!parse_network(v.text, &n)) {
      diags.error(v.pos.locate(), "expected an IP network such as 10.0.0.0/8 for '" + node.field +
                                      "', got '" + v.text + "'");
      return nullptr;
    }
    nets.push_back(n);
  }
  return std::make_unique<IpNetCheck>(std::move(field), negate, std::move(nets));
}

bool decode_hex(std::string_view hex, std::string* out) {
  if (hex.size() % 2 != 0) return false;
  out->clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    unsigned byte = 0;
    auto [end, ec] = std::from_chars(hex.data() + i, hex.data() + i + 2, byte, 16);
    if (ec != std::errc() || end != hex.data() + i + 2) return false;
    out->push_back(static_cast<char>(byte));
  }
  return true;
}

}  // namespace ksight::rules::detail
