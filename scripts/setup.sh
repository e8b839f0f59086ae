#!/usr/bin/env bash
# Installs the Debian 12 packages tessera needs to build, test and benchmark.
# Idempotent and quiet: prints nothing and exits 0 when everything is already installed.
set -euo pipefail

# The one list of packages the project needs. Later issues add more (Open MPI, ...): add them
# here, nowhere else. The peers of the benchmarks (python3-faiss,
# python3-hnswlib, python3-xapian, python3-torch, python3-sklearn) are not needed to build or
# test: the README's Performance section says how to install them. fastText is needed: the CLI
# test checks that `tessera test` scores its predictions exactly as `fasttext test` does.
PACKAGES=(
  build-essential   # g++, make
  cmake
  pkg-config
  libopenblas-dev   # cblas_sgemm (BLAS::BLAS)
  libeigen3-dev     # decompositions
  libcli11-dev      # command line
  libfmt-dev        # formatting
  libspdlog-dev     # logging
  libgtest-dev      # unit tests
  libgmock-dev
  libbenchmark-dev  # bench/ programs
  libutf8proc-dev   # unicode normalization and case folding (src/text)
  libstemmer-dev    # Snowball stemmers (src/text)
  libsimdjson-dev   # JSONL readers (src/data)
  nlohmann-json3-dev # small JSON documents (configs, CLI output)
  libsqlite3-dev    # collections: documents, metadata and vectors (src/collection)
  libcpp-httplib-dev # tessera serve's HTTP server (src/serve)
  zlib1g-dev        # .gz input (src/data)
  libhnswlib-dev    # HNSW graph index (src/index/hnsw_index.cpp)
  wordnet-base      # WordNet 3.0: the built-in data of tessera quickstart
  clang             # libFuzzer targets of the parsers (fuzz/)
  libclang-rt-14-dev
  python3           # Debian's /usr/bin/python3, runs the reference scripts in ../shared/bench
  python3-numpy     # interop tests: model files read with nothing but json + numpy
  fasttext          # the CLI test compares `tessera test` with `fasttext test`
  chromium          # tests/serve loads tessera serve's search page in headless Chromium
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != "installed" ]]; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "setup.sh: missing packages: ${missing[*]}" >&2
  echo "setup.sh: installing them needs root, and sudo is not available; run this script as root" >&2
  exit 1
fi

echo "setup.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
