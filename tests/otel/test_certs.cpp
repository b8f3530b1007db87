#include "test_certs.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "support/subprocess.h"

namespace ksight::otel::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

void openssl(std::vector<std::string> args) {
  args.insert(args.begin(), "/usr/bin/openssl");
  auto r = ksight::testing::run(args, 30s);
  if (r.exit_code != 0) throw std::runtime_error("openssl " + args[1] + " failed: " + r.err);
}

void write(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

// A self-signed CA named `name`: dir/name.crt, dir/name.key.
void make_ca(const fs::path& dir, const std::string& name) {
  fs::path cnf = dir / (name + ".cnf");
  write(cnf,
        "[req]\ndistinguished_name = dn\nx509_extensions = ca\nprompt = no\n"
        "[dn]\nCN = ksight test " +
            name +
            "\n[ca]\nbasicConstraints = critical, CA:true\n"
            "keyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash\n");
  openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
           "-keyout", (dir / (name + ".key")).string(), "-out", (dir / (name + ".crt")).string(),
           "-days", "2", "-config", cnf.string()});
}

// dir/name.crt and dir/name.key, signed by dir/ca, with `extensions`.
void make_leaf(const fs::path& dir, const std::string& name, const std::string& extensions) {
  fs::path ext = dir / (name + ".ext");
  write(ext, extensions);
  fs::path csr = dir / (name + ".csr");
  openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
           "-keyout", (dir / (name + ".key")).string(), "-out", csr.string(), "-subj",
           "/CN=ksight-test-" + name});
  openssl({"x509", "-req", "-in", csr.string(), "-CA", (dir / "ca.crt").string(), "-CAkey",
           (dir / "ca.key").string(), "-CAcreateserial", "-out", (dir / (name + ".crt")).string(),
           "-days", "2", "-extfile", ext.string()});
}

TestCerts make_certs(const fs::path& dir) {
  fs::create_directories(dir);
  make_ca(dir, "ca");
  make_ca(dir, "other-ca");
  make_leaf(dir, "server",
            "subjectAltName = IP:127.0.0.1, DNS:localhost\nextendedKeyUsage = serverAuth\n");
  make_leaf(dir, "client", "extendedKeyUsage = clientAuth\n");
  openssl({"pkey", "-in", (dir / "client.key").string(), "-aes128", "-passout", "pass:ksight",
           "-out", (dir / "client-encrypted.key").string()});
  auto f = [&dir](const char* name) { return (dir / name).string(); };
  return {f("ca.crt"),     f("server.crt"),   f("server.key"),          f("client.crt"),
          f("client.key"), f("other-ca.crt"), f("client-encrypted.key")};
}

}  // namespace

const TestCerts& test_certs() {
  // Made on first use, removed when the test process exits.
  static const struct Made {
    fs::path dir = fs::temp_directory_path() / ("ksight-test-certs-" + std::to_string(getpid()));
    TestCerts certs = make_certs(dir);
    ~Made() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } made;
  return made.certs;
}

}  // namespace ksight::otel::testing
