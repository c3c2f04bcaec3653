#!/bin/sh
# The spin-loop hint survives compilation where the library needs it: the
# backoff lock's delay loop (src/locks/backoff.c) and the spin budget's
# calibration burst (src/atomics/spin.c).  If usync_cpu_relax() compiled to
# nothing, the compiler would delete both loops: the backoff lock would not
# back off, and calibration would time two back-to-back clock reads.
# Usage: check_relax.sh OBJDUMP LIBRARY CPU_FAMILY
set -eu
objdump_bin=$1
lib=$2
family=$3
case $family in
  x86_64|x86) hint='pause' ;;
  aarch64) hint='isb|yield' ;;
  ppc64|ppc) hint='yield|or[[:space:]]+r?27,r?27,r?27' ;;
  riscv64|riscv32) hint='pause|0x0?100000f|fence[[:space:]]+w,0' ;;
  *)
    # No hint instruction exists: usync_cpu_relax() is an empty volatile
    # asm, which keeps the loops but leaves nothing to look for.
    echo "no spin-loop hint on $family: nothing to check (skipped)"
    exit 77 ;;
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && ar x "$lib")
status=0
for obj in backoff.c.o spin.c.o; do
  file=$(find "$tmp" -name "*$obj" | head -1)
  if [ -z "$file" ]; then
    echo "$obj not found in $lib" >&2
    status=1
    continue
  fi
  n=$("$objdump_bin" -d "$file" | grep -cE "[[:space:]]($hint)([[:space:]]|\$)" || true)
  if [ "$n" -eq 0 ]; then
    echo "$obj: no spin-loop hint ($hint) in the object code" >&2
    status=1
  else
    echo "$obj: $n spin-loop hint(s)"
  fi
done
exit $status
