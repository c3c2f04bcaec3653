#!/usr/bin/env bash
# scripts/setup.sh - install the Debian packages usync's build, tests and
# benchmarks need, if any is missing.  Idempotent; needs root (or sudo) only
# when something is missing.  Used by scripts/test.sh and scripts/bench.sh.
#
#   scripts/setup.sh            packages for build + tests (+ Arm and POWER
#                               cross-checks)
#   scripts/setup.sh --bench    also the benchmark peers and plotting
set -euo pipefail

# Multi-Arch "same" libraries are named with the native architecture: a
# bare name would also match the cross-checks' foreign copies below, which
# cannot stand in for the native one.
native=$(dpkg --print-architecture)
packages=(meson ninja-build pkg-config gcc g++ "libcmocka-dev:$native"
          libclang-rt-14-dev clang binutils
          gcc-aarch64-linux-gnu libc6-dev-arm64-cross
          gcc-powerpc64le-linux-gnu libc6-dev-ppc64el-cross
          binutils-powerpc64le-linux-gnu qemu-user)
# The benchmark is built by the test suite too (its smoke test), so its
# libraries are always wanted; --bench adds what only the report needs.
packages+=(libhwloc-dev liburcu-dev libbenchmark-dev libck-dev)
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(python3 python3-matplotlib hwloc)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# The cross-checks (aarch64, and POWER: ppc64le) run the tests under
# qemu-user and need the target's CMocka, from Debian multiarch.
foreign=()
for arch in arm64 ppc64el; do
  if ! dpkg-query -W -f='${Status}' "libcmocka-dev:$arch" 2>/dev/null | grep -q "install ok installed"; then
    foreign+=("$arch")
  fi
done

if ((${#missing[@]})) || ((${#foreign[@]})); then
  echo "setup: installing ${missing[*]} ${foreign[*]/#/libcmocka-dev:}"
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  for arch in "${foreign[@]}"; do
    echo "setup: adding the $arch architecture for libcmocka-dev:$arch"
    $sudo dpkg --add-architecture "$arch"
    missing+=("libcmocka-dev:$arch")
  done
  # A mirror that is mid-sync fails one index (often a foreign
  # architecture's); the install below still works from the others.
  $sudo apt-get update -qq || echo "setup: apt-get update reported errors; installing from the indexes it has"
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "setup: all packages present"
