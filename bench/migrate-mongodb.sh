#!/usr/bin/env bash
# MongoDB migration benchmark: backendctl against migrate-mongo 14.0.7 (npm) on the same
# server. For each tool: apply N migrations (each creates a collection; its down drops it), then
# roll back RB. migrate-mongo's `down` reverts one migration per process, so its rollback is RB
# processes; backendctl's is one `down --steps RB`. Prints the median of RUNS runs per cell and
# the ratio backendctl / migrate-mongo (below 1.00 = backendctl is faster).
# Not a timed test: run it by hand (see docs/migrate.md, "Benchmark").
#
#   bash bench/migrate-mongodb.sh
#
# Knobs (environment): N=1000 RB=100 RUNS=3
#   PEER=0          time backendctl alone (migrate-mongo's rollback of 100 takes minutes a run)
#   BENCH_MONGO_URL (default: a SecantusDB server started here from BACKENDCTL_TEST_SECANTUSD or
#                   secantusd-py on PATH)   server URL without a database
#   BCTL            (default target/release/backendctl)
#   BENCH_TOOLS     (default ~/.cache/backendctl-bench)  where migrate-mongo is installed
#   OUT             (default bench/results)
set -euo pipefail

N=${N:-1000}
RB=${RB:-100}
RUNS=${RUNS:-3}
PEER=${PEER:-1}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BCTL=${BCTL:-$ROOT/target/release/backendctl}
TOOLS_DIR=${BENCH_TOOLS:-$HOME/.cache/backendctl-bench}
OUT=${OUT:-$ROOT/bench/results}
W=$(mktemp -d)
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT
mkdir -p "$OUT" "$TOOLS_DIR/npm-mongo"
MM_DIR=$TOOLS_DIR/npm-mongo
MM=$MM_DIR/node_modules/.bin/migrate-mongo

if [ "$PEER" = 1 ] && ! "$MM" --version 2>/dev/null | grep -q '14.0.7'; then
  echo "installing migrate-mongo 14.0.7 (npm)…" >&2
  (cd "$MM_DIR" && { [ -f package.json ] || npm init -y >/dev/null; } &&
    npm install --no-audit --no-fund migrate-mongo@14.0.7 mongodb@6 >/dev/null)
fi

if [ -z "${BENCH_MONGO_URL:-}" ]; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "${BACKENDCTL_TEST_SECANTUSD:-secantusd-py}" --port "$port" --storage-path :memory: >"$W/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 300); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  BENCH_MONGO_URL=mongodb://127.0.0.1:$port
fi

# ------------------------------------------------------------------ the sets
mkdir -p "$W/json" "$W/js" "$W/mm"
for i in $(seq 1 "$N"); do
  v=$(printf '%04d' "$i")
  printf '[{"create": "c_%s"}]\n' "$i" >"$W/json/${v}_c${i}.up.json"
  printf '[{"drop": "c_%s"}]\n' "$i" >"$W/json/${v}_c${i}.down.json"
  cat >"$W/js/2024010100${v}-c${i}.js" <<EOF
module.exports = {
  async up(db) { await db.createCollection('c_$i'); },
  async down(db) { await db.collection('c_$i').drop(); },
};
EOF
done

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

run_backendctl() { # db
  local url=$BENCH_MONGO_URL/$1 t0 t1 t2
  t0=$(now)
  "$BCTL" migrate -q -D "$url" --dir "$W/json" up
  t1=$(now)
  "$BCTL" migrate -q -D "$url" --dir "$W/json" down --steps "$RB" --yes
  t2=$(now)
  echo "$(echo "$t1 - $t0" | bc) $(echo "$t2 - $t1" | bc)"
}

run_migrate_mongo() { # db
  cat >"$W/mm/migrate-mongo-config.js" <<EOF
module.exports = {
  mongodb: { url: "$BENCH_MONGO_URL", databaseName: "$1", options: {} },
  migrationsDir: "$W/js",
  changelogCollectionName: "changelog",
  migrationFileExtension: ".js",
  useFileHash: false,
  moduleSystem: "commonjs",
};
EOF
  local t0 t1 t2
  t0=$(now)
  (cd "$W/mm" && "$MM" up >/dev/null)
  t1=$(now)
  for _ in $(seq 1 "$RB"); do (cd "$W/mm" && "$MM" down >/dev/null); done
  t2=$(now)
  echo "$(echo "$t1 - $t0" | bc) $(echo "$t2 - $t1" | bc)"
}

: >"$W/raw"
for run in $(seq 1 "$RUNS"); do
  echo "backendctl $(run_backendctl "bctl_$run")" | tee -a "$W/raw" >&2
  if [ "$PEER" = 1 ]; then
    echo "migrate-mongo $(run_migrate_mongo "mm_$run")" | tee -a "$W/raw" >&2
  fi
done
cp "$W/raw" "$OUT/migrate-mongodb.tsv"

cell() { grep "^$1 " "$W/raw" | awk -v c="$2" '{print $c}' | median; }
b_up=$(cell backendctl 2)
b_rb=$(cell backendctl 3)
if [ "$PEER" != 1 ]; then
  {
    printf '%-20s %12s\n' "(median of $RUNS, s)" backendctl
    printf '%-20s %12.2f\n' "apply $N" "$b_up"
    printf '%-20s %12.2f\n' "roll back $RB" "$b_rb"
  } | tee "$OUT/migrate-mongodb.txt"
  exit 0
fi
m_up=$(cell migrate-mongo 2)
m_rb=$(cell migrate-mongo 3)
{
  printf '%-20s %12s %14s %7s\n' "(median of $RUNS, s)" backendctl migrate-mongo ratio
  printf '%-20s %12.2f %14.2f %7.2f\n' "apply $N" "$b_up" "$m_up" "$(echo "$b_up / $m_up" | bc -l)"
  printf '%-20s %12.2f %14.2f %7.2f\n' "roll back $RB" "$b_rb" "$m_rb" "$(echo "$b_rb / $m_rb" | bc -l)"
} | tee "$OUT/migrate-mongodb.txt"
