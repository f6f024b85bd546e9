#!/usr/bin/env bash
# Times pith building a single-layer image from a ~200 MB host tree against
# `tar --sort=name | pigz -p $(nproc)` and `tar | umoci raw add-layer` on the same tree, in one run.
# Usage: bash bench/layer.sh [SOURCE_DIR] [MB]   (default: /usr/lib/x86_64-linux-gnu, 200 MB)
# Needs: pith built (npm install), pigz, umoci. Prints medians of $RUNS (3) interleaved rounds and
# ratios; BASELINE=DIR also times the pith checkout in DIR (before/after a change).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
src=${1:-/usr/lib/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)}
mb=${2:-200}
runs=${RUNS:-3}
work=$(mktemp -d /tmp/pith-bench-layer.XXXXXX)
trap 'rm -rf "$work"' EXIT
pith="node $here/dist/src/cli/main.js"

# A fixed tree of about $mb MB of regular files (copied, so every tool reads the same bytes).
mkdir -p "$work/tree"
total=0
while IFS= read -r -d '' f; do
  size=$(stat -c %s "$f")
  rel=${f#"$src"/}
  mkdir -p "$work/tree/$(dirname "$rel")"
  cp "$f" "$work/tree/$rel"
  total=$((total + size))
  [ "$total" -ge $((mb * 1024 * 1024)) ] && break
done < <(find "$src" -type f -print0 | sort -z)
files=$(find "$work/tree" -type f | wc -l)
printf 'tree: %d files, %s bytes (from %s)\n' "$files" "$total" "$src"
cat > "$work/pith.yaml" <<YAML
name: bench
accounts: {preset: none}
files:
  - {src: tree, dest: /data}
YAML
find "$work/tree" -type f -exec cat {} + >/dev/null  # warm the page cache

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
run_once() { # command...: wall seconds of one run from an empty output and cache
  rm -rf "$work/out" "$work/cache"; mkdir -p "$work/out"
  local s; s=$(now); "$@" >/dev/null 2>&1; local e; e=$(now)
  echo "$e - $s" | bc
}

pith_build() { PITH_CACHE_DIR="$work/cache" $pith build "$work/pith.yaml" -o "$work/out/img.oci" -q --no-sbom; }  # the peers write no SBOM
pith_zstd() { PITH_CACHE_DIR="$work/cache" $pith build "$work/pith.yaml" -o "$work/out/img.oci" -q --no-sbom --compression zstd; }
# BASELINE=DIR: another pith checkout (built), timed in the same rounds, e.g. the code before a change.
baseline_build() { PITH_CACHE_DIR="$work/cache" node "$BASELINE/dist/src/cli/main.js" build "$work/pith.yaml" -o "$work/out/img.oci" -q --no-sbom; }
tar_pigz() { tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$work/tree" -cf - . | pigz -p "$(nproc)" -6 > "$work/out/layer.tar.gz"; }
umoci_add() {
  umoci init --layout "$work/out/umoci" && umoci new --image "$work/out/umoci:bench" &&
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$work/tree" -cf - . > "$work/out/layer.tar" &&
  umoci raw add-layer --image "$work/out/umoci:bench" "$work/out/layer.tar"
}

# Rounds interleave the contenders, so load from elsewhere hurts them all alike.
contenders=(pith_build pith_zstd tar_pigz umoci_add)
[ -n "${BASELINE:-}" ] && contenders+=(baseline_build)
declare -A times
for _ in $(seq "$runs"); do
  for c in "${contenders[@]}"; do times[$c]+="$(run_once "$c") "; done
done
med() { printf '%s\n' ${times[$1]} | median; }
p=$(med pith_build); z=$(med pith_zstd); t=$(med tar_pigz); u=$(med umoci_add)

size_of() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);console.log(j.images[0].layers.reduce((a,l)=>a+l.size,0))})'; }
pith_size=$(PITH_CACHE_DIR="$work/cache" $pith build "$work/pith.yaml" -o "$work/out/img.oci" --json | size_of)
zstd_size=$(PITH_CACHE_DIR="$work/cache" $pith build "$work/pith.yaml" -o "$work/out/img.oci" --json --compression zstd | size_of)
tar_pigz; pigz_size=$(stat -c %s "$work/out/layer.tar.gz")
rm -rf "$work/out/umoci"; umoci_add >/dev/null 2>&1
umoci_size=$(find "$work/out/umoci/blobs" -type f -printf '%s\n' | sort -n | tail -1)
printf '\n%-40s %8s s  (compressed %s bytes)\n' "pith build (${mb} MB tree, gzip)" "$p" "$pith_size"
printf '%-40s %8s s  (compressed %s bytes)\n' "pith build --compression zstd" "$z" "$zstd_size"
printf '%-40s %8s s  (compressed %s bytes)\n' "tar --sort=name | pigz -p $(nproc) -6" "$t" "$pigz_size"
printf '%-40s %8s s  (compressed %s bytes)\n' "tar + umoci raw add-layer" "$u" "$umoci_size"
printf '\nratio pith / tar|pigz : %.2f\nratio pith / umoci    : %.2f\n' "$(echo "$p / $t" | bc -l)" "$(echo "$p / $u" | bc -l)"
if [ -n "${BASELINE:-}" ]; then
  b=$(med baseline_build)
  printf '%-40s %8s s\nratio baseline / umoci: %.2f\nratio pith / baseline : %.2f\n' "baseline pith ($BASELINE)" "$b" "$(echo "$b / $u" | bc -l)" "$(echo "$p / $b" | bc -l)"
fi
