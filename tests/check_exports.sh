#!/bin/sh
# The shared library exports exactly the symbols of tests/exports.txt, each
# in its version node (src/usync.map), plus one ABI guard symbol
# (usync_abi_<soversion>_cacheline<N>_checks<0|1>) in USYNC_0; and its
# soname is libusync.so.<soversion>.
# Usage: check_exports.sh NM READELF LIBRARY EXPECTED SOVERSION
set -eu
nm_bin=$1
readelf_bin=$2
lib=$3
expected=$4
soversion=$5
soname=$("$readelf_bin" -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
if [ "$soname" != "libusync.so.$soversion" ]; then
  echo "soname is '$soname', expected libusync.so.$soversion" >&2
  exit 1
fi
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
"$nm_bin" -D --defined-only --with-symbol-versions "$lib" |
  awk 'NF == 3 && $3 !~ /^USYNC_/ { print $3 }' | sed 's/@@*/ /' | sort > "$tmp"
guards=$(grep -c '^usync_abi_[0-9]*_cacheline[0-9]*_checks[01] USYNC_0$' "$tmp" || true)
if [ "$guards" -ne 1 ]; then
  echo "expected one ABI guard symbol in USYNC_0, found $guards" >&2
  exit 1
fi
if ! grep -v '^usync_abi_' "$tmp" | diff -u "$expected" -; then
  echo "exported symbols differ from $expected (- expected, + exported):" >&2
  echo "update src/usync.map and tests/exports.txt together" >&2
  exit 1
fi
echo "$(wc -l < "$tmp") exported symbols as listed, soname $soname"
