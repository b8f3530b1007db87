#include "export/otlp/tls_files.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <tuple>

#include "common/error.h"

namespace ksight::otel {
namespace {

using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;
using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

Bio memory_bio(const std::string& pem) {
  return Bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
}

// OpenSSL's default asks for a passphrase on the terminal: an agent must
// fail instead of waiting for one.
int no_passphrase(char*, int, int, void*) {
  return 0;
}

X509Ptr first_certificate(const std::string& pem) {
  Bio bio = memory_bio(pem);
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr), X509_free);
  ERR_clear_error();
  return cert;
}

KeyPtr private_key(const std::string& pem) {
  Bio bio = memory_bio(pem);
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr), EVP_PKEY_free);
  ERR_clear_error();
  return key;
}

// The text of a PEM file ("" for no path); Error naming the file (`what`:
// "CA certificate", …) when it cannot be read.
std::string read_pem(const std::string& path, const char* what) {
  if (path.empty()) return "";
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  if (!(in && text << in.rdbuf())) {
    throw Error(std::string("OTLP TLS: cannot read the ") + what + " " + path + ": " +
                std::strerror(errno));
  }
  return text.str();
}

void check_client_pair(const TlsFiles& tls) {
  if (tls.client_certificate.empty() != tls.client_key.empty()) {
    throw Error("OTLP TLS: a client certificate and its key go together (got only the " +
                std::string(tls.client_key.empty() ? "certificate" : "key") + ")");
  }
}

// What tells a renewed file from the one loaded: a symlink swap changes the
// inode, an in-place write the size or the modification time. A file that
// is missing for a moment (mid-swap) stamps as all zeros.
struct FileStamp {
  dev_t dev = 0;
  ino_t ino = 0;
  off_t size = 0;
  int64_t mtime_ns = 0;
  bool operator==(const FileStamp&) const = default;
};

FileStamp stamp_of(const std::string& path) {
  struct stat st {};
  if (path.empty() || ::stat(path.c_str(), &st) != 0) return {};
  return {st.st_dev, st.st_ino, st.st_size,
          static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

using TlsStamp = std::array<FileStamp, 3>;

TlsStamp stamp_of(const TlsFiles& tls) {
  return {stamp_of(tls.ca_certificate), stamp_of(tls.client_certificate), stamp_of(tls.client_key)};
}

class ReloadingTransport : public Transport {
 public:
  ReloadingTransport(const TlsFiles& tls, std::function<std::unique_ptr<Transport>()> make)
      : tls_(tls), make_(std::move(make)), loaded_(stamp_of(tls_)), inner_(make_()) {
    name_ = inner_->name();
  }
  const char* name() const override { return name_; }

  ExportResult export_spans(const std::vector<Span>& spans) override {
    reload_if_renewed();
    return inner_->export_spans(spans);
  }

 private:
  // A stat() per file per batch: a batch holds up to 512 spans, so even at
  // 10^5 spans/s that is a few hundred stat() calls a second, each far
  // cheaper than the export it precedes; no timer or inotify watch needed.
  void reload_if_renewed() {
    TlsStamp now = stamp_of(tls_);
    if (now == loaded_ || now == failed_) return;
    try {
      inner_ = make_();
      loaded_ = now;
      failed_ = {};
      spdlog::info("otlp {}: TLS files renewed, reloaded ({})", name_, describe());
    } catch (const Error& e) {
      failed_ = now;
      spdlog::warn("otlp {}: TLS files changed but do not load; still using the previous ones: {}",
                   name_, e.what());
    }
  }

  std::string describe() const {
    std::string out;
    for (const std::string* f :
         {&tls_.ca_certificate, &tls_.client_certificate, &tls_.client_key}) {
      if (f->empty()) continue;
      out += (out.empty() ? "" : ", ") + *f;
    }
    return out;
  }

  TlsFiles tls_;
  std::function<std::unique_ptr<Transport>()> make_;
  // Stamped before the files are read: a change while they are read costs
  // one more reload, never a missed one.
  TlsStamp loaded_;
  TlsStamp failed_{};  // a change that did not load: not tried again
  std::unique_ptr<Transport> inner_;
  const char* name_ = "";
};

}  // namespace

TlsPem load_tls_files(const TlsFiles& tls) {
  check_client_pair(tls);
  TlsPem pem{read_pem(tls.ca_certificate, "CA certificate"),
             read_pem(tls.client_certificate, "client certificate"),
             read_pem(tls.client_key, "client key")};
  if (!tls.ca_certificate.empty() && !first_certificate(pem.ca_certificate)) {
    throw Error("OTLP TLS: the CA certificate " + tls.ca_certificate +
                " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
  }
  if (tls.client_certificate.empty()) return pem;
  X509Ptr cert = first_certificate(pem.client_certificate);
  if (!cert) {
    throw Error("OTLP TLS: the client certificate " + tls.client_certificate +
                " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
  }
  KeyPtr key = private_key(pem.client_key);
  if (!key) {
    throw Error("OTLP TLS: the client key " + tls.client_key +
                " holds no unencrypted PEM private key (-----BEGIN PRIVATE KEY-----)");
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    throw Error("OTLP TLS: the client key " + tls.client_key +
                " does not match the client certificate " + tls.client_certificate);
  }
  return pem;
}

std::unique_ptr<Transport> make_reloading_transport(
    const TlsFiles& tls, std::function<std::unique_ptr<Transport>()> make) {
  return std::make_unique<ReloadingTransport>(tls, std::move(make));
}

}  // namespace ksight::otel
