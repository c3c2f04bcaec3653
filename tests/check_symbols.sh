#!/bin/sh
# Every symbol libusync.a defines globally must start with usync_ (or
# USYNC_): the library must not pollute an application's namespace.
# With misuse checks off (third argument checks-off), also: no object
# references usync_misuse, i.e. release builds contain no check code.
# Usage: check_symbols.sh NM LIBRARY [checks-on|checks-off]
set -eu
nm_bin=$1
lib=$2
checks=${3:-checks-on}
symbols=$("$nm_bin" -g --defined-only "$lib" | awk 'NF == 3 { print $3 }')
count=$(printf '%s\n' "$symbols" | grep -c . || true)
# Sanitizer instrumentation adds its own globals (__odr_asan.<name> for
# every usync global under ASan); they are the compiler's, not ours.
# A shared build also defines its version nodes (src/usync.map) as symbols.
bad=$(printf '%s\n' "$symbols" | grep -v -e '^usync_' -e '^$' \
  -e '^USYNC_0$' -e '^USYNC_INTERNAL_0$' \
  -e '^__odr_asan[._]' -e '^__asan_' -e '^__tsan_' -e '^__ubsan_' || true)
if [ "$count" -eq 0 ]; then
  echo "no global symbols found in $lib: nm failed?" >&2
  exit 1
fi
if [ -n "$bad" ]; then
  echo "symbols without the usync_ prefix in $lib:" >&2
  printf '%s\n' "$bad" >&2
  exit 1
fi
echo "$count global symbols, all prefixed usync_"
if [ "$checks" = checks-off ]; then
  users=$("$nm_bin" -A "$lib" | awk '$2 == "U" && $3 == "usync_misuse"' || true)
  if [ -n "$users" ]; then
    echo "misuse checks are off, yet these objects call usync_misuse:" >&2
    printf '%s\n' "$users" >&2
    exit 1
  fi
  echo "no object references usync_misuse (checks compiled out)"
fi
