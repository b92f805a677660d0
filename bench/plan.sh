#!/usr/bin/env bash
# How long `backendctl plan` takes on a 100-node manifest (goal: under 50 ms).
# Usage: bash bench/plan.sh   (builds the release binary; installs hyperfine from Debian if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
{
  echo 'backend version=1'
  # 50 services in a chain, 25 mocks, 25 scenarios: 100 nodes, 124 edges.
  for i in $(seq 1 50); do
    echo "service \"svc-$i\" {"
    echo "    run \"node\" \"server-$i.js\""
    echo "    env PORT=\"$((4000 + i))\" TOKEN=\"{{ env.TOKEN | default('t') }}\""
    echo "    ready \"http://127.0.0.1:$((4000 + i))/health\" timeout=\"30s\""
    [ "$i" -gt 1 ] && echo "    after \"service.svc-$((i - 1))\""
    echo "}"
  done
  for i in $(seq 1 25); do
    echo "mock \"mock-$i\" {"
    echo "    listen \"127.0.0.1:$((5000 + i))\""
    echo "    route \"GET\" \"/a\" status=200 body=\"ok\" latency=\"1ms\""
    echo "}"
    echo "scenario \"scn-$i\" {"
    echo "    after \"mock.mock-$i\" \"service.svc-50\""
    echo "    base-url \"http://127.0.0.1:$((5000 + i))\""
    echo "    stages {"
    echo "        stage \"10s\" target=10"
    echo "    }"
    echo "    request \"a\" \"GET\" \"/a\" {"
    echo "        expect status=200"
    echo "    }"
    echo "    thresholds {"
    echo "        p95 \"< 100ms\""
    echo "    }"
    echo "}"
  done
} > "$work/backend.kdl"
bin="$PWD/target/release/backendctl"
"$bin" -f "$work/backend.kdl" validate
hyperfine --warmup 5 --runs 50 --export-json "$work/plan.json" \
  "$bin -f $work/backend.kdl validate" \
  "$bin -f $work/backend.kdl plan"
python3 - "$work/plan.json" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
for r in results:
    ms = r["mean"] * 1000
    print(f"{r['command'].split()[-1]:>9}: mean {ms:.1f} ms (goal < 50 ms: {'met' if ms < 50 else 'MISSED'}, {50 / ms:.1f}x headroom)")
PY
