#!/usr/bin/env bash
# scripts/test.sh - the README's test command: on a fresh Debian machine it
# installs what is missing, builds, and runs the whole test suite:
#   1. release build: unit tests (locks, barriers), header and symbol checks,
#      the examples, the benchmark smoke test and the report's tests
#      (bench/report_grading_test.py);
#   2. the unit tests under ThreadSanitizer (own build directory);
#   3. the unit tests under AddressSanitizer + UBSan, LeakSanitizer on;
#   4. install to a staging prefix, then build the examples the ways a user
#      would: pkg-config --static, CMake find_package, a shared-library build
#      (soname and exported symbols checked), and an out-of-tree Meson
#      subproject through its wrap;
#   5. aarch64 and ppc64le cross builds whose tests run under qemu-user;
#   6. the model checks' quick set (scripts/modelcheck.sh: GenMC, RC11 and
#      IMM), each check and model counted as one test; skipped, and counted
#      as skipped, where GenMC is absent and cannot be built.
# Ends with one line "usync: N passed, M failed, K skipped"; exits non-zero
# on failure.  Skipped counts what could not run here, never as passed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

scripts/setup.sh

passed=0
failed=0
skipped=0
failures=()

# configure DIR [meson options...]: set up, or reconfigure, a build dir.
configure() {
  local dir=$1; shift
  if [[ -d $dir/meson-private ]]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$@" >/dev/null
  fi
}

# suite NAME DIR [meson test args...]: build DIR, run its tests, count them.
suite() {
  local name=$1 dir=$2; shift 2
  echo "=== $name"
  ninja -C "$dir" >/dev/null
  local log="$dir/meson-logs/testlog.txt" start=$SECONDS rc=0
  meson test -C "$dir" --print-errorlogs "$@" || rc=$?
  local ok fail
  ok=$(awk '/^Ok:/ { n = $2 } END { print n + 0 }' "$log")
  local skip
  skip=$(awk '/^Skipped:/ { n = $2 } END { print n + 0 }' "$log")
  skipped=$((skipped + skip))
  fail=$(awk '/^(Fail|Timeout|Unexpected Pass):/ { n += $NF } END { print n + 0 }' "$log")
  passed=$((passed + ok))
  if ((rc != 0)) && ((fail == 0)); then fail=1; fi
  failed=$((failed + fail))
  ((fail == 0)) || failures+=("$name")
  echo "=== $name: $ok passed, $fail failed, $skip skipped in $((SECONDS - start)) s"
}

# check NAME COMMAND...: one scripted check, counted as one test.
check() {
  local name=$1; shift
  echo "=== $name"
  if "$@"; then
    passed=$((passed + 1)); echo "=== $name: ok"
  else
    failed=$((failed + 1)); failures+=("$name"); echo "=== $name: FAILED"
  fi
}

# 1. Release build.
configure build-test --buildtype=release -Dtests=enabled -Dbench=enabled
suite release build-test

# The sanitizer and aarch64 builds park after a single spin-and-yield round
# (-Dpark_spin_ns=0) instead of 50 us: the tests' waits are short, and this
# way the futex sleep and wake paths run often under the checkers.

# 2. ThreadSanitizer.  The benchmark links Concurrency Kit, whose atomics
#    are inline assembly that TSan cannot see, so it is left out here.
configure build-tsan --buildtype=debugoptimized -Db_sanitize=thread -Dbench=disabled -Dtests=enabled -Dpark_spin_ns=0
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" USYNC_TEST_SCALE=${USYNC_TSAN_SCALE:-100} \
  suite tsan build-tsan --suite usync

# 3. AddressSanitizer + UndefinedBehaviorSanitizer (+ LeakSanitizer).
configure build-asan --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false -Dbench=disabled -Dtests=enabled -Dpark_spin_ns=0
ASAN_OPTIONS="detect_leaks=1 abort_on_error=1" UBSAN_OPTIONS="halt_on_error=1 print_stacktrace=1" \
  USYNC_TEST_SCALE=${USYNC_ASAN_SCALE:-100} suite asan build-asan --suite usync

# 4. As a user would consume it: install to a staging prefix, then build
#    examples/counter.c with pkg-config --static and with CMake's
#    find_package, link and run a shared-library build, and build the
#    out-of-tree subproject example through its wrap.
stage_install() { # BUILD_DIR STAGE: install, print the prefix inside STAGE
  meson install -C "$1" --destdir "$2" >/dev/null
  local prefix
  prefix=$(meson introspect "$1" --buildoptions |
    python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"][0])')
  echo "$2$prefix"
}

install_check() {
  local stage prefix pcdir
  stage=$(mktemp -d)
  prefix=$(stage_install build-test "$stage")
  pcdir=$(dirname "$(find "$stage" -name usync.pc | head -1)")
  [[ -f $prefix/include/usync/usync.h && -f $prefix/include/usync/config.h ]] || return 1
  PKG_CONFIG_PATH=$pcdir PKG_CONFIG_SYSROOT_DIR=$stage \
    cc -std=c11 -O2 examples/counter.c -o "$stage/counter" \
      $(PKG_CONFIG_PATH=$pcdir PKG_CONFIG_SYSROOT_DIR=$stage pkg-config --cflags --libs --static usync) &&
  "$stage/counter" clh && rm -rf "$stage"
}
check install-pkg-config install_check

cmake_check() {
  local stage prefix
  stage=$(mktemp -d)
  prefix=$(stage_install build-test "$stage")
  cmake -S examples/cmake -B "$stage/build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null &&
    cmake --build "$stage/build" >/dev/null && "$stage/build/counter" anderson &&
    rm -rf "$stage"
}
if command -v cmake >/dev/null; then
  check install-cmake cmake_check
else
  echo "=== install-cmake: cmake missing, skipped"; skipped=$((skipped + 1))
fi

# The shared library: its own tests (soname and exported symbols, see
# tests/check_exports.sh, and the examples), then an application linked
# against the installed libusync.so.0, through CMake and pkg-config.
configure build-shared --buildtype=release -Ddefault_library=shared -Dtests=enabled -Dbench=disabled
suite shared build-shared --no-suite unit
shared_check() {
  local stage prefix libdir pcdir
  stage=$(mktemp -d)
  prefix=$(stage_install build-shared "$stage")
  libdir=$(dirname "$(find "$stage" -name libusync.so.0 | head -1)")
  pcdir=$(dirname "$(find "$stage" -name usync.pc | head -1)")
  cmake -S examples/cmake -B "$stage/build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null &&
    cmake --build "$stage/build" >/dev/null &&
    LD_LIBRARY_PATH=$libdir "$stage/build/counter" mcs_tp &&
    LD_LIBRARY_PATH=$libdir ldd "$stage/build/counter" | grep "libusync.so.0 => $libdir" >/dev/null &&
    cc -std=c11 -O2 examples/counter.c -o "$stage/counter-pc" \
      $(PKG_CONFIG_PATH=$pcdir PKG_CONFIG_SYSROOT_DIR=$stage pkg-config --cflags --libs usync) &&
    LD_LIBRARY_PATH=$libdir "$stage/counter-pc" ticket && rm -rf "$stage"
}
check install-shared shared_check

# Out of the tree, as an embedding project would: a copy of
# examples/subproject whose wrap points at this checkout's committed HEAD.
subproject_check() {
  local work
  work=$(mktemp -d)
  cp -r examples/subproject/. "$work/"
  rm -rf "$work/subprojects/usync"
  sed -i "s|^url = .*|url = $root|" "$work/subprojects/usync.wrap"
  # PKG_CONFIG_LIBDIR empty: do not find an installed usync, use the wrap.
  PKG_CONFIG_LIBDIR=/nonexistent meson setup "$work/build" "$work" >/dev/null &&
    ninja -C "$work/build" >/dev/null && "$work/build/barrier-demo" ticket tournament &&
    # As a subproject, usync adds none of its own tests to the parent's.
    [[ $(meson introspect "$work/build" --tests |
         python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') -eq 0 ]] &&
    rm -rf "$work"
}
check meson-subproject subproject_check

# 5. Weak-memory targets: cross builds whose tests run under qemu-user,
#    aarch64 (Armv8) and ppc64le (POWER8).  qemu runs them on this host's
#    memory model, so these show that the code builds and behaves on those
#    ISAs (the spin hint among it: relax-hint), not that its orders suffice
#    there; that is the model checker's job.
# cross_suite NAME CROSS_FILE QEMU SCALE: SCALE is USYNC_TEST_SCALE there.
cross_suite() {
  local name=$1 ini=$2 qemu=$3 scale=$4 dir=build-$1
  if [[ ! -f $ini ]]; then return; fi
  if ! command -v "$qemu" >/dev/null; then
    echo "=== $name-qemu: $qemu missing, suite skipped"
    skipped=$((skipped + 1))
    return
  fi
  configure "$dir" --cross-file "$ini" --buildtype=release -Dbench=disabled -Dtests=enabled -Dpark_spin_ns=0
  USYNC_TEST_SCALE=$scale suite "$name-qemu" "$dir" --suite usync
}
cross_suite aarch64 cross/aarch64-linux-gnu.ini qemu-aarch64 "${USYNC_ARM_SCALE:-100}"
# qemu-ppc64le runs the many-thread barrier tests about 4x slower than
# qemu-aarch64 does (its LL/SC emulation): a quarter of the episodes.
cross_suite ppc64le cross/powerpc64le-linux-gnu.ini qemu-ppc64le "${USYNC_PPC_SCALE:-25}"

# 6. Model checking.  GenMC from PATH, or built once per machine by
#    ../shared/tools/genmc/build.sh; without it the checks are skipped.
modelcheck_suite() {
  local genmc counts ok=0 bad=0 rc=0 start=$SECONDS
  if ! genmc=$(scripts/modelcheck.sh --find 2>/dev/null); then
    local n
    n=$(scripts/modelcheck.sh --list | wc -l)
    skipped=$((skipped + n))
    echo "=== modelcheck: GenMC not found and cannot be built here; $n checks skipped (see README.md, Model checking)"
    return
  fi
  echo "=== modelcheck ($genmc)"
  counts=$(mktemp)
  scripts/modelcheck.sh --counts "$counts" || rc=$?
  read -r ok bad <"$counts" || { ok=0; bad=0; }
  rm -f "$counts"
  if ((rc != 0)) && ((bad == 0)); then bad=1; fi
  passed=$((passed + ok))
  failed=$((failed + bad))
  ((bad == 0)) || failures+=(modelcheck)
  echo "=== modelcheck: $ok passed, $bad failed in $((SECONDS - start)) s"
}
modelcheck_suite

echo
if ((failed)); then echo "failed: ${failures[*]}"; fi
echo "usync: $passed passed, $failed failed, $skipped skipped"
((failed == 0))
