#!/usr/bin/env bash
# bench/bundle.sh DIR - make a self-contained copy of usync-bench for a
# machine that lacks hwloc, ck, liburcu and Google Benchmark (e.g. a
# 16-core box with the same or a newer glibc).
#
#   bench/bundle.sh carry/bench [BUILDDIR]    (BUILDDIR: build-bench)
#   ... copy DIR over, then on the target:   DIR/run.sh [usync-bench flags]
#
# DIR gets usync-bench, every non-glibc shared library ldd lists for it
# (libhwloc, libck, liburcu*, libbenchmark, libstdc++, libgcc_s, and what
# they pull in), and run.sh, which runs the full sweep with LD_LIBRARY_PATH
# pointing at DIR/lib.  glibc's own libraries (the loader, libc, libm,
# libpthread, libdl, librt) stay out: they must match the target's kernel
# interface and the target's glibc is assumed the same or newer.
# Results land in DIR/results/<machine>/ unless --out is given.
set -euo pipefail
if [[ $# -lt 1 ]]; then
  echo "usage: bench/bundle.sh DIR [BUILDDIR]" >&2
  exit 2
fi
dir=$1
builddir=${2:-build-bench}
bin=$builddir/bench/usync-bench
if [[ ! -x $bin ]]; then
  echo "bundle.sh: $bin not built (run scripts/bench.sh or meson compile -C $builddir)" >&2
  exit 1
fi
mkdir -p "$dir/lib"
cp "$bin" "$dir/usync-bench"
ldd "$bin" | awk '/=> \// { print $3 }' | while read -r lib; do
  case $(basename "$lib") in
    ld-linux*|libc.so*|libm.so*|libpthread.so*|libdl.so*|librt.so*) ;;
    *) cp -L "$lib" "$dir/lib/" ;;
  esac
done
cat > "$dir/run.sh" <<'RUN'
#!/usr/bin/env bash
# Run the bundled usync-bench: the full sweep unless flags say otherwise.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
cd "$here"
mode=(--full)
for a in "$@"; do
  if [[ $a == --full || $a == --quick ]]; then mode=(); fi
done
exec "$here/usync-bench" "${mode[@]}" "$@"
RUN
chmod +x "$dir/run.sh"
echo "bundle.sh: $dir: usync-bench, $(ls "$dir/lib" | wc -l) libraries, run.sh"
glibc=$(ldd --version | head -n1 | awk '{ print $NF }')
echo "bundle.sh: built against glibc $glibc; the target needs $glibc or newer"
