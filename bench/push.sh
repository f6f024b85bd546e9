#!/usr/bin/env bash
# Times `pith push LAYOUT REF` against `skopeo copy oci:LAYOUT docker://REF` to the same loopback
# docker-registry, for the same image:
#   fresh    - a new repository on an empty registry (every blob uploaded)
#   new-repo - a new repository on a registry that already holds the blobs elsewhere
#              (pith mounts from its hint map, skopeo from its blob-info cache)
#   again    - the same repository again (every blob present: HEADs and the manifest)
# Also times pith's push alone, in one Node process (no CLI start-up), and `pith --version`.
# Usage: bash bench/push.sh [DATA_MB]   (default 10: an image about the size of distroless cc)
# Needs: pith built (npm install), docker-registry, skopeo. Prints medians of $RUNS runs (5) and ratios.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
mb=${1:-10}
runs=${RUNS:-5}
work=$(mktemp -d /tmp/pith-bench-push.XXXXXX)
reg_pid=""
stop_registry() { if [ -n "$reg_pid" ]; then kill "$reg_pid" 2>/dev/null || true; wait "$reg_pid" 2>/dev/null || true; reg_pid=""; fi; }
trap 'stop_registry; rm -rf "$work"' EXIT
pith="node $here/dist/src/cli/main.js"

# The image: /usr/bin/echo with its libraries, plus $mb MB of incompressible data.
head -c $((mb * 1024 * 1024)) /dev/urandom > "$work/data.bin"
cat > "$work/pith.yaml" <<YAML
name: bench/push
tag: v1
entrypoint: [/usr/bin/echo, hi]
binaries: [{src: /usr/bin/echo}]
files: [{src: data.bin, dest: /data/data.bin}]
YAML
$pith build "$work/pith.yaml" -o "$work/img.oci" -q --cache-dir "$work/build-cache" >/dev/null
size=$(du -sb "$work/img.oci/blobs" | cut -f1)
blobs=$(ls "$work/img.oci/blobs/sha256" | wc -l)

port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
host="127.0.0.1:$port"
start_registry() { # a registry with empty storage
  stop_registry
  rm -rf "$work/reg"; mkdir -p "$work/reg/data"
  cat > "$work/reg/config.yml" <<YAML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $work/reg/data}}
http: {addr: $host}
YAML
  docker-registry serve "$work/reg/config.yml" >"$work/reg/log" 2>&1 &
  reg_pid=$!
  for _ in $(seq 100); do curl -fsS "http://$host/v2/" >/dev/null 2>&1 && return; sleep 0.05; done
  echo "registry did not start" >&2; cat "$work/reg/log" >&2; exit 1
}

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
n=0
pith_push() { $pith push "$work/img.oci" "$host/$1" -q --cache-dir "$work/pith-cache" >/dev/null; }
skopeo_push() { skopeo copy -q --dest-tls-verify=false "oci:$work/img.oci:v1" "docker://$host/$1" >/dev/null; }
# Time one scenario for one tool into $elapsed. Not run in $(...): a registry started in a
# subshell would outlive it, out of reach of the EXIT trap.
run_once() { # tool scenario
  local tool=$1 scenario=$2 repo
  n=$((n + 1))
  case $scenario in
    fresh) start_registry; rm -rf "$work/pith-cache"; repo="fresh$n/img:v1" ;;
    new-repo) repo="seed$n/img:v1"; "${tool}_push" "$repo"; repo="copy$n/img:v1" ;;
    again) repo="again$n/img:v1"; "${tool}_push" "$repo" ;;
  esac
  local s e; s=$(now); "${tool}_push" "$repo"; e=$(now)
  elapsed=$(echo "$e - $s" | bc)
}
time_it() { # tool scenario -> the median into $median
  local t=()
  for _ in $(seq "$runs"); do run_once "$1" "$2"; t+=("$elapsed"); done
  median=$(printf '%s\n' "${t[@]}" | median)
}

# pith's push alone, in-process: the same three scenarios through the library.
cat > "$work/inproc.mjs" <<JS
import { readOciLayout, pushArtifact } from '$here/dist/src/index.js';
const [host, scenario, runs, cache] = process.argv.slice(2);
const artifact = await readOciLayout('$work/img.oci');
const times = [];
for (let i = 0; i < Number(runs); i++) {
  const tag = \`\${scenario}\${i}-\${process.pid}\`;
  if (scenario !== 'fresh') await pushArtifact(artifact, \`\${host}/inproc-seed-\${tag}/img:v1\`, { cacheDir: cache });
  const repo = scenario === 'again' ? \`inproc-seed-\${tag}\` : \`inproc-\${tag}\`;
  const opts = scenario === 'fresh' ? { mount: false } : { cacheDir: cache };
  const s = performance.now();
  await pushArtifact(artifact, \`\${host}/\${repo}/img:v1\`, opts);
  times.push((performance.now() - s) / 1000);
}
times.sort((a, b) => a - b);
console.log(times[Math.floor(times.length / 2)].toFixed(3));
JS

printf 'image: %d blobs, %d bytes; registry %s; %d runs each, medians in seconds\n' "$blobs" "$size" "$host" "$runs"
printf 'machine load: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
startup=$(for _ in $(seq "$runs"); do s=$(now); $pith --version >/dev/null; e=$(now); echo "$e - $s" | bc; done | median)
printf '%-9s %8s %8s %7s %12s %8s\n' scenario pith skopeo ratio pith-inproc ratio
for scenario in fresh new-repo again; do
  time_it pith "$scenario"; p=$median
  time_it skopeo "$scenario"; k=$median
  if [ "$scenario" = fresh ]; then start_registry; fi
  i=$(node "$work/inproc.mjs" "$host" "$scenario" "$runs" "$work/inproc-cache")
  printf '%-9s %8.3f %8.3f %7.2f %12.3f %8.2f\n' "$scenario" "$p" "$k" "$(echo "$p / $k" | bc -l)" "$i" "$(echo "$i / $k" | bc -l)"
done
printf 'pith CLI start-up alone (pith --version): %.3f s\n' "$startup"
