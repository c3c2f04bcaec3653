#!/usr/bin/env bash
# scripts/test.sh - the README's test command: on a fresh Debian machine it
# installs what is missing, builds, and runs the whole test suite:
#   1. release build: unit tests (locks, barriers), header and symbol checks,
#      the examples and the benchmark smoke test;
#   2. the unit tests under ThreadSanitizer (own build directory);
#   3. the unit tests under AddressSanitizer + UBSan, LeakSanitizer on;
#   4. install to a staging prefix, then build the example the ways a user
#      would: cc + pkg-config --static, and as a Meson subproject;
#   5. an aarch64 cross build whose tests run under qemu-aarch64;
#   6. the model checks' quick set (scripts/modelcheck.sh: GenMC, RC11 and
#      IMM), each check and model counted as one test; skipped, and counted
#      as skipped, where GenMC is absent and cannot be built.
# Ends with one line "usync: N passed, M failed, K skipped"; exits non-zero
# on failure.
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
  fail=$(awk '/^(Fail|Timeout|Unexpected Pass):/ { n += $NF } END { print n + 0 }' "$log")
  passed=$((passed + ok))
  if ((rc != 0)) && ((fail == 0)); then fail=1; fi
  failed=$((failed + fail))
  ((fail == 0)) || failures+=("$name")
  echo "=== $name: $ok passed, $fail failed in $((SECONDS - start)) s"
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

# 4. As a user: install, then pkg-config --static and a Meson subproject.
install_check() {
  local stage
  stage=$(mktemp -d)
  meson install -C build-test --destdir "$stage" >/dev/null
  local prefix
  prefix=$(meson introspect build-test --buildoptions |
    python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"][0])')
  local pcdir
  pcdir=$(dirname "$(find "$stage" -name usync.pc | head -1)")
  [[ -f $stage$prefix/include/usync/usync.h && -f $stage$prefix/include/usync/config.h ]] || return 1
  PKG_CONFIG_PATH=$pcdir PKG_CONFIG_SYSROOT_DIR=$stage \
    cc -std=c11 -O2 examples/counter.c -o "$stage/counter" \
      $(PKG_CONFIG_PATH=$pcdir PKG_CONFIG_SYSROOT_DIR=$stage pkg-config --cflags --libs --static usync) &&
  "$stage/counter" clh && rm -rf "$stage"
}
check install-pkg-config install_check

subproject_check() {
  local work
  work=$(mktemp -d)
  mkdir -p "$work/subprojects"
  cp examples/subproject/meson.build "$work/meson.build"
  sed -i "s|'../counter.c'|'counter.c'|" "$work/meson.build"
  cp examples/counter.c "$work/"
  mkdir -p "$work/subprojects/usync"
  git ls-files --cached --others --exclude-standard |
    tar -cf - -T - | tar -xf - -C "$work/subprojects/usync"
  # PKG_CONFIG_LIBDIR empty: do not find an installed usync, use the fallback.
  PKG_CONFIG_LIBDIR=/nonexistent meson setup "$work/build" "$work" >/dev/null &&
    ninja -C "$work/build" >/dev/null && "$work/build/counter" ticket && rm -rf "$work"
}
check meson-subproject subproject_check

# 5. aarch64: cross build, tests under qemu-aarch64.
if [[ -f cross/aarch64-linux-gnu.ini ]] && command -v qemu-aarch64 >/dev/null; then
  configure build-aarch64 --cross-file cross/aarch64-linux-gnu.ini --buildtype=release -Dbench=disabled -Dtests=enabled -Dpark_spin_ns=0
  USYNC_TEST_SCALE=${USYNC_ARM_SCALE:-100} suite aarch64-qemu build-aarch64 --suite usync
fi

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
