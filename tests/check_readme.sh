#!/bin/sh
# Every ```c and ```cpp block of README.md is a complete program: compile it
# (-Wall -Wextra -Werror) against the build's headers and library, run it,
# and require exit status 0.
# Usage: check_readme.sh README SOURCE_INCLUDE BUILD_INCLUDE LIBRARY CC CXX
set -eu
readme=$1
src_inc=$2
build_inc=$3
lib=$4
cc_bin=$5
cxx_bin=$6
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Split the blocks into files: block-N.c / block-N.cpp.
awk -v dir="$tmp" '
  /^```(c|cpp)$/ { n++; ext = substr($0, 4); file = dir "/block-" n "." ext; inside = 1; next }
  /^```/ && inside { inside = 0; close(file); next }
  inside { print > file }
' "$readme"
count=0
for src in "$tmp"/block-*; do
  [ -e "$src" ] || continue
  count=$((count + 1))
  case $src in
    *.cpp) compiler="$cxx_bin -std=c++17" ;;
    *) compiler="$cc_bin -std=c11" ;;
  esac
  if ! $compiler -Wall -Wextra -Werror -O1 -I"$src_inc" -I"$build_inc" \
       "$src" "$lib" -pthread -o "$src.out"; then
    echo "README block $(basename "$src") does not compile:" >&2
    cat -n "$src" >&2
    exit 1
  fi
  if ! "$src.out" >/dev/null; then
    echo "README block $(basename "$src") ran and failed" >&2
    exit 1
  fi
done
if [ "$count" -eq 0 ]; then
  echo "no C or C++ block found in $readme" >&2
  exit 1
fi
echo "$count README programs compiled and ran"
