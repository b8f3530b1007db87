#include "otel/http_url.h"

#include <algorithm>
#include <array>

namespace ksight::otel {
namespace {

constexpr std::array<std::string_view, 4> kSecretKeys = {"AWSAccessKeyId", "Signature", "sig",
                                                         "X-Goog-Signature"};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
  return true;
}

std::string_view first_element(std::string_view list) {
  return trim(list.substr(0, list.find(',')));
}

// The value of `key` in the first element of a Forwarded header.
std::string_view forwarded_param(std::string_view header, std::string_view key) {
  std::string_view element = first_element(header);
  while (!element.empty()) {
    size_t semi = element.find(';');
    std::string_view pair = trim(element.substr(0, semi));
    element = semi == std::string_view::npos ? std::string_view{} : element.substr(semi + 1);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos || !iequals(trim(pair.substr(0, eq)), key)) continue;
    std::string_view value = trim(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    return value;
  }
  return {};
}

// A node ("192.0.2.1", "192.0.2.1:8080", "[2001:db8::1]:8080", "2001:db8::1")
// → its address; empty for "unknown" and obfuscated identifiers ("_x").
std::string node_address(std::string_view node) {
  if (node.empty() || node.front() == '_' || iequals(node, "unknown")) return {};
  if (node.front() == '[') {
    size_t close = node.find(']');
    return close == std::string_view::npos ? std::string{} : std::string(node.substr(1, close - 1));
  }
  size_t colon = node.find(':');
  if (colon != std::string_view::npos && node.find(':', colon + 1) == std::string_view::npos)
    node = node.substr(0, colon);  // IPv4 with a port; more colons: bare IPv6
  return std::string(node);
}

std::string_view scheme_if_known(std::string_view v) {
  if (iequals(v, "https")) return "https";
  if (iequals(v, "http")) return "http";
  return {};
}

}  // namespace

std::string_view target_query(std::string_view target) {
  size_t q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view query = target.substr(q + 1);
  return query.substr(0, query.find('#'));
}

std::string redact_query(std::string_view query) {
  std::string out;
  out.reserve(query.size());
  while (true) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    bool secret = eq != std::string_view::npos &&
                  std::find(kSecretKeys.begin(), kSecretKeys.end(), key) != kSecretKeys.end();
    if (secret) {
      out.append(key).append("=REDACTED");
    } else {
      out.append(pair);
    }
    if (amp == std::string_view::npos) return out;
    out.push_back('&');
    query.remove_prefix(amp + 1);
  }
}

std::string original_scheme(const HttpMessage& request) {
  std::string_view s = scheme_if_known(forwarded_param(request.forwarded, "proto"));
  if (s.empty()) s = scheme_if_known(first_element(request.forwarded_proto));
  return std::string(s.empty() ? "http" : s);
}

std::string original_client(const HttpMessage& request) {
  std::string_view node = forwarded_param(request.forwarded, "for");
  if (!node.empty()) return node_address(node);
  return node_address(first_element(request.forwarded_for));
}

std::string client_url(const HttpMessage& request, const Endpoint& peer) {
  std::string_view target = request.target;
  std::string_view query = target_query(target);
  std::string_view before_query = target.substr(0, target.find_first_of("?#"));
  std::string url;
  if (!before_query.starts_with("/") && before_query.find("://") != std::string_view::npos) {
    url.append(before_query);  // absolute-form: a request to a proxy
  } else {
    url = "http://";
    if (!request.host.empty()) {
      url.append(request.host);
    } else {
      bool v6 = peer.address.find(':') != std::string::npos;
      url.append(v6 ? "[" + peer.address + "]" : peer.address);
      if (peer.port != 80) url.append(":").append(std::to_string(peer.port));
    }
    // origin-form; "*" (OPTIONS) and authority-form (CONNECT) have no path
    if (before_query.starts_with("/")) url.append(before_query);
  }
  if (!query.empty()) url.append("?").append(redact_query(query));
  return url;
}

}  // namespace ksight::otel
