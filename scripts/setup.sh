#!/usr/bin/env bash
# scripts/setup.sh - install the Debian packages usync's build, tests and
# benchmarks need, if any is missing.  Idempotent; needs root (or sudo) only
# when something is missing.  Used by scripts/test.sh and scripts/bench.sh.
#
#   scripts/setup.sh            packages for build + tests (+ Arm cross-check)
#   scripts/setup.sh --bench    also the benchmark peers and plotting
set -euo pipefail

packages=(meson ninja-build pkg-config gcc g++ libcmocka-dev
          libclang-rt-14-dev clang binutils
          gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user)
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

# The aarch64 cross-check runs the tests under qemu-aarch64 and needs the
# target's CMocka, from Debian multiarch.
arm_missing=0
if ! dpkg-query -W -f='${Status}' libcmocka-dev:arm64 2>/dev/null | grep -q "install ok installed"; then
  arm_missing=1
fi

if ((${#missing[@]})) || ((arm_missing)); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  if ((arm_missing)); then
    echo "setup: adding the arm64 architecture for libcmocka-dev:arm64"
    $sudo dpkg --add-architecture arm64
    missing+=(libcmocka-dev:arm64)
  fi
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "setup: all packages present"
