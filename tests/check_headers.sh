#!/bin/sh
# The public headers compile with no warning (-Wall -Wextra -pedantic
# -Werror) as C11, C17 and C23 with gcc and clang, and as C++11, 14, 17, 20
# and 23 with g++ and clang++, the standard C++ headers included before or
# after usync's.  Syntax only: the build's own compiler also links and runs
# them (headers-c11, headers-c++*).  A missing compiler is reported and its
# half skipped; exit 77 (skipped) if neither clang nor clang++ exists.
# Usage: check_headers.sh SOURCE_INCLUDE BUILD_INCLUDE TESTS_DIR
set -u
src_inc=$1
build_inc=$2
tests=$3
flags="-Wall -Wextra -pedantic -Werror -fsyntax-only -I$src_inc -I$build_inc"
fail=0
runs=0
missing=""
for cc in gcc clang; do
  if ! command -v $cc >/dev/null; then missing="$missing $cc"; continue; fi
  for std in c11 c17 c2x; do
    runs=$((runs + 1))
    $cc -std=$std $flags "$tests/headers_c.c" ||
      { echo "FAILED: $cc -std=$std headers_c.c"; fail=1; }
  done
done
for cxx in g++ clang++; do
  if ! command -v $cxx >/dev/null; then missing="$missing $cxx"; continue; fi
  for std in c++11 c++14 c++17 c++20 c++2b; do
    for order in "" -DUSYNC_HEADERS_STD_FIRST; do
      runs=$((runs + 1))
      $cxx -std=$std $order $flags "$tests/headers_cxx.cc" ||
        { echo "FAILED: $cxx -std=$std $order headers_cxx.cc"; fail=1; }
    done
  done
done
[ -n "$missing" ] && echo "not installed, skipped:$missing"
echo "$runs header compilations, $([ $fail -eq 0 ] && echo all clean || echo some FAILED)"
if [ $fail -eq 0 ] && ! command -v clang >/dev/null && ! command -v clang++ >/dev/null; then
  exit 77
fi
exit $fail
