#!/usr/bin/env bash
# Builds the static and cc distroless equivalents with pith and with the mmdebstrap + umoci
# pipeline of ../shared/peers/mmdebstrap-umoci-baseline.sh, in the same run, cold (empty caches)
# and warm, and prints wall-time ratios and compressed sizes for the same package sets.
# Usage (root, Debian 12): bash bench/debian.sh [WORKDIR]     env: RUNS=3
# Needs pith built (npm install); installs mmdebstrap, buildah, crun if missing.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
peer_script=${PEER_SCRIPT:-$here/../shared/peers/mmdebstrap-umoci-baseline.sh}
work=${1:-/tmp/pith-bench-debian}
runs=${RUNS:-3}
pith="node $here/dist/src/cli/main.js"
export SOURCE_DATE_EPOCH=1700000000
for t in mmdebstrap buildah crun; do command -v $t >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $t >/dev/null; done
rm -rf "$work"; mkdir -p "$work"

echo "peer: mmdebstrap --variant=extract | mmtarfilter | umoci ($runs runs each; about a minute)" >&2
SKIP_PODMAN=1 RUNS=$runs bash "$peer_script" "$work/peer" > "$work/peer.log" 2>&1 || { tail -20 "$work/peer.log"; exit 1; }
summary=$work/peer/summary.txt
peer_mean() { awk -v s="$1" -v i="$2" '$1 == s && $2 == i { print $5 }' "$summary"; }
peer_metric() { awk -v m="$1" -v i="$2" '$1 == m && $2 == i { print $3 }' "$summary"; }

# pith, on exactly the peer's package sets (no closure beyond them, like distroless).
static_pkgs="base-files, netbase, tzdata, ca-certificates"
cc_pkgs="$static_pkgs, libc6, libssl3, libgcc-s1, libgomp1, libstdc++6"
cut="awk, mawk, debconf, debconf-2.0, openssl, gcc-12-base"
for img in static cc; do
  pkgs=$static_pkgs; [ $img = cc ] && pkgs=$cc_pkgs
  for trim in docs none; do
    mkdir -p "$work/pith/$img-$trim"
    printf 'name: bench/%s\ndebian: bookworm\npackages: [%s]\nexclude: [%s]\ntrim: %s\nenv: {SSL_CERT_FILE: /etc/ssl/certs/ca-certificates.crt}\n' \
      "$img" "$pkgs" "$cut" "$trim" > "$work/pith/$img-$trim/pith.yaml"
  done
done

now() { date +%s.%N; }
mean() { awk '{ s += $1 } END { printf "%.3f", s / NR }'; }
pith_time() { # dir mode(cold|warm) -> mean wall seconds
  local d=$1 mode=$2 t=()
  if [ "$mode" = warm ]; then PITH_CACHE_DIR=$d/cache $pith build "$d/pith.yaml" -o "$d/out.oci" -q > /dev/null; fi
  for _ in $(seq "$runs"); do
    [ "$mode" = cold ] && rm -rf "$d/cache" "$d/pith.lock"
    local s; s=$(now)
    PITH_CACHE_DIR=$d/cache $pith build "$d/pith.yaml" -o "$d/out.oci" -q > /dev/null
    t+=("$(echo "$(now) - $s" | bc)")
  done
  printf '%s\n' "${t[@]}" | mean
}
pith_size() { PITH_CACHE_DIR=$1/cache $pith build "$1/pith.yaml" -o "$1/out.oci" --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);console.log(j.images[0].layers.reduce((a,l)=>a+l.size,0))})'; }

printf '\n%-8s %-6s %10s %10s %8s   %12s %12s %12s\n' image mode pith_s peer_s ratio pith_gzip_B pith_notrim_B peer_gzip_B
for img in static cc; do
  d=$work/pith/$img-docs
  cold=$(pith_time "$d" cold); warm=$(pith_time "$d" warm)
  umoci=$(peer_mean umoci $img)
  peer_cold=$(echo "$(peer_mean rootfs-cold $img) + $umoci" | bc); peer_warm=$(echo "$(peer_mean rootfs-warm $img) + $umoci" | bc)
  size=$(pith_size "$d"); size_none=$(pith_size "$work/pith/$img-none"); peer_size=$(peer_metric umoci_layer_gzip_bytes $img)
  printf '%-8s %-6s %10s %10s %8.3f   %12s %12s %12s\n' $img cold "$cold" "$peer_cold" "$(echo "$cold / $peer_cold" | bc -l)" "$size" "$size_none" "$peer_size"
  printf '%-8s %-6s %10s %10s %8.3f\n' $img warm "$warm" "$peer_warm" "$(echo "$warm / $peer_warm" | bc -l)"
done
echo
echo "goals: cold ratio <= 0.5, warm ratio <= 0.1, pith gzip bytes <= peer's (peer: rootfs + umoci raw add-layer, means of $runs runs)"
echo "peer details: $summary"
