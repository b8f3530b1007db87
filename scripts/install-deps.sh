#!/usr/bin/env bash
# Installs every build, test and benchmark dependency of ksight from Debian
# packages (and nothing else). Idempotent: when everything is present it only
# runs dpkg-query and returns in well under a second.
set -euo pipefail

# The official OTLP .proto files (src/otel), from the npm package that ships
# them, into a cache outside the repository. Defined here, run at the end.
OTLP_NPM_PREFIX=${KSIGHT_NPM_CACHE:-/var/cache/ksight/npm}
OTLP_NPM_PKG=@opentelemetry/otlp-grpc-exporter-base@0.34.0
install_otlp_protos() {
  local protos="$OTLP_NPM_PREFIX/node_modules/@opentelemetry/otlp-grpc-exporter-base/build/protos"
  if [ -f "$protos/opentelemetry/proto/collector/trace/v1/trace_service.proto" ]; then
    echo "install-deps: OTLP protos present in $protos"
    return 0
  fi
  echo "install-deps: fetching $OTLP_NPM_PKG (OTLP .proto files) into $OTLP_NPM_PREFIX"
  mkdir -p "$OTLP_NPM_PREFIX"
  npm install --prefix "$OTLP_NPM_PREFIX" --no-audit --no-fund --ignore-scripts "$OTLP_NPM_PKG" >/dev/null
}

PACKAGES=(
  # build chain
  build-essential cmake pkg-config clang llvm lld clang-format
  libbpf-dev bpftool libelf-dev zlib1g-dev libzstd-dev
  libbpfcc-dev libdw-dev elfutils libdebuginfod-dev
  # user-space libraries
  libcli11-dev libspdlog-dev libfmt-dev libyaml-cpp-dev nlohmann-json3-dev
  libcpp-httplib-dev libssl-dev libutfcpp-dev
  protobuf-compiler libprotobuf-dev libgrpc++-dev protobuf-compiler-grpc
  golang-github-google-pprof-dev
  # tests and real peers
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  golang-go prometheus curl nginx-light iproute2 procps python3
  libxml2-utils nodejs
  openssl  # certificates for the OTLP TLS tests (tests/otel/test_certs.h)
  systemtap-sdt-dev  # <sys/sdt.h> for the USDT workload of ksight trace (tests/trace)
  chromium  # headless browser test of the profile UI (tests/ui)
  # benchmark peers
  linux-perf bpftrace hyperfine time wrk
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  install_otlp_protos
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: need root to install packages" >&2
  exit 2
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The prometheus package starts a service on :9090; tests run their own server
# on a free port, so keep the packaged one from competing for it.
if command -v systemctl >/dev/null 2>&1; then
  systemctl disable --now prometheus prometheus-node-exporter nginx >/dev/null 2>&1 || true
fi
echo "install-deps: done"

# ---- OTLP protos (npm) -----------------------------------------------------
install_otlp_protos
