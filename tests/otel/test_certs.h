#pragma once
// Certificates for the TLS tests of the OTLP transports, made once per test
// process with the openssl command (Debian package openssl, installed by
// scripts/install-deps.sh) in a temporary directory: a CA, a server
// certificate it signs for 127.0.0.1 and localhost, a client certificate it
// signs (mutual TLS), and a second CA that signs nothing of these (an
// untrusted collector), and the client key encrypted with a passphrase. EC
// P-256 keys: made in milliseconds.
#include <string>

namespace ksight::otel::testing {

struct TestCerts {
  std::string ca;  // PEM files
  std::string server_cert;
  std::string server_key;
  std::string client_cert;
  std::string client_key;
  std::string other_ca;
  std::string encrypted_client_key;  // client_key under a passphrase
};

// Throws std::runtime_error with openssl's output when it fails.
const TestCerts& test_certs();

}  // namespace ksight::otel::testing
