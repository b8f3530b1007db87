#pragma once
// The PEM files of an OTLP transport's TLS: checked when the transport is
// made, and watched while it runs.
//
// Why watch: cert-manager, Vault agents and the kubelet's projected secrets
// renew a collector's CA bundle or the agent's client certificate in place
// (for a mounted secret, a symlink swap). An exporter that read the files
// once keeps presenting the old certificate until it expires, and then every
// export fails until a restart. The OpenTelemetry Collector's own exporters
// offer the same (`tls.reload_interval`).
#include <functional>
#include <memory>
#include <string>

#include "export/otlp/otlp_transport.h"

namespace ksight::otel {

// The texts of the files of `tls` ("" where no path is given).
struct TlsPem {
  std::string ca_certificate{};
  std::string client_certificate{};
  std::string client_key{};
};

// Reads the files once and checks them: Error (naming the file) unless each
// given file is readable PEM, the CA file and the client certificate hold at
// least one certificate, the key a private key that matches the
// certificate, and the certificate and the key come together or not at all.
TlsPem load_tls_files(const TlsFiles& tls);

// A transport that stats `tls`'s files before each export and, when one
// changed (another inode, size or modification time), replaces the
// transport `make` returned with a fresh one. While the changed files do not
// load (half written; a key that does not match the certificate yet), the
// old transport stays and the warning is logged once per change; the next
// change is tried again.
std::unique_ptr<Transport> make_reloading_transport(
    const TlsFiles& tls, std::function<std::unique_ptr<Transport>()> make);

}  // namespace ksight::otel
