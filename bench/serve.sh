#!/usr/bin/env bash
# pith serve: pull latency of a cc-sized image with skopeo (first pull with an empty cache,
# first pull of a new name with a warm build cache, cached pulls), then pulls per second of a
# cached manifest on loopback under a bounded concurrent load (a node fetch loop, and ab -k if
# installed).
# Usage (Debian 12, the apt mirror configured): bash bench/serve.sh [WORKDIR]
#   env: RUNS=5 (cached pulls), CONCURRENCY=32, SECONDS_LOAD=10
# Needs pith built (npm install) and skopeo.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/tmp/pith-bench-serve}
runs=${RUNS:-5}
concurrency=${CONCURRENCY:-32}
seconds=${SECONDS_LOAD:-10}
name=cc/libstdc__6            # preset cc + libstdc++6 (_ stands for +)
other=cc/nonroot/libstdc__6   # same packages, another key: a new build from a warm cache
command -v skopeo >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq skopeo >/dev/null
rm -rf "$work"; mkdir -p "$work"

node "$here/dist/src/cli/main.js" serve --listen 127.0.0.1:0 --cache-dir "$work/cache" > "$work/serve.log" 2> "$work/serve.err" &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q '"listening"' "$work/serve.log" 2>/dev/null && break; sleep 0.1; done
url=$(grep -m1 '"listening"' "$work/serve.log" | sed 's/.*"url":"\([^"]*\)".*/\1/')
host=${url#http://}

now() { date +%s.%N; }
pull() { # name dest -> wall seconds of one skopeo copy
  local s; s=$(now)
  skopeo copy -q --src-tls-verify=false "docker://$host/$1:bookworm" "oci:$2:t" > /dev/null
  echo "$(now) - $s" | bc
}

first_cold=$(pull $name "$work/first.oci")
first_warm=$(pull $other "$work/other.oci")
cached=()
for i in $(seq "$runs"); do cached+=("$(pull $name "$work/cached-$i.oci")"); done
cached_mean=$(printf '%s\n' "${cached[@]}" | awk '{ s += $1 } END { printf "%.3f", s / NR }')
size=$(skopeo inspect --tls-verify=false --raw "docker://$host/$name:bookworm" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const m=JSON.parse(s);console.log(m.layers.length+" layers, "+m.layers.reduce((a,l)=>a+l.size,0)+" bytes")})')
build_ms=$(grep '"build-done"' "$work/serve.log" | head -1 | sed 's/.*"ms":\([0-9]*\).*/\1/')

echo "pith serve on $url, image /v2/$name/manifests/bookworm ($size)"
printf '%-52s %8.3f s  (build %s ms)\n' "first pull, empty cache (download, resolve, build):" "$first_cold" "$build_ms"
printf '%-52s %8.3f s\n' "first pull of a new name, warm build cache:" "$first_warm"
printf '%-52s %8.3f s  (mean of %s)\n' "cached pull (skopeo copy, all blobs):" "$cached_mean" "$runs"

# Load: CONCURRENCY fetch loops for SECONDS_LOAD seconds on the cached manifest (keep-alive).
node --input-type=module -e '
const [url, c, secs] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
const accept = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json";
const end = Date.now() + secs * 1000;
const lat = [];
let errors = 0;
async function loop() {
  while (Date.now() < end) {
    const t = performance.now();
    const r = await fetch(url, { headers: { accept } });
    await r.arrayBuffer();
    if (r.status !== 200) errors++;
    lat.push(performance.now() - t);
  }
}
const t0 = performance.now();
await Promise.all(Array.from({ length: c }, loop));
const wall = (performance.now() - t0) / 1000;
lat.sort((a, b) => a - b);
const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(2);
console.log(`cached manifest, node fetch x${c} for ${secs} s:      ${(lat.length / wall).toFixed(0)} pulls/s  (p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, ${errors} non-200)`);
' "$url/v2/$name/manifests/bookworm" "$concurrency" "$seconds"

if command -v ab >/dev/null; then
  ab -q -k -c "$concurrency" -t "$seconds" -n 10000000 -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$url/v2/$name/manifests/bookworm" > "$work/ab.txt" 2>&1 || true
  rps=$(awk '/Requests per second/ { print $4 }' "$work/ab.txt")
  failed=$(awk '/Failed requests/ { print $3 }' "$work/ab.txt")
  non2xx=$(awk '/Non-2xx responses/ { print $3 }' "$work/ab.txt")
  printf 'cached manifest, ab -k -c %s for %s s:              %s pulls/s  (%s failed, %s non-2xx)\n' "$concurrency" "$seconds" "${rps:-?}" "${failed:-0}" "${non2xx:-0}"
fi
echo "server log: $work/serve.log ($(grep -c '"request"' "$work/serve.log") request lines)"
