#!/usr/bin/env bash
# What checking responses against an OpenAPI document costs under load (issue 15): backendctl
# load against nginx serving a JSON body, with no contract checks, with every response
# checked (--openapi-sample 100%), and with the default sample (5 %), in one run, runs
# interleaved. Prints requests/s, each mode's ratio to "off", CPU µs per request, and the peak
# RSS at 1,000 virtual users with every response checked. Loopback only; not a test.
#
#   bash bench/conformance.sh                  # RUNS=3 DURATION=10 CONNS=50 LAYOUTS="shared isolated"
#   RUNS=1 DURATION=5 LAYOUTS=isolated bash bench/conformance.sh
#   MODES="off 100% 10% 5% default" bash bench/conformance.sh     # other samples side by side
#
# Goals: every response checked ≥ 0.7× off, the default sample ≥ 0.95× off, ≤ 30 MB RSS at
# 1,000 users. Installs nginx-light (apt) when missing and builds backendctl (release) into
# $CARGO_TARGET_DIR (or target/); BACKENDCTL=path uses a binary already built.
#
# Layouts as in bench/load.sh: "shared" lets nginx (one worker) and the generator float over
# both cores, so the generator's extra CPU comes out of nginx's share; "isolated" pins nginx to
# CPU 0 and the generator to the others, so the ratio shows the generator's own cost.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUNS="${RUNS:-3}"
DURATION="${DURATION:-10}"
CONNS="${CONNS:-50}"
LAYOUTS="${LAYOUTS:-shared isolated}"
# off: no document; default: the document at the default sample; N%: that sample.
MODES="${MODES:-off 100% default}"
PORT=18090
WORK="$(mktemp -d)"
GEN=(/usr/bin/time -o "$WORK/cpu" -f '%U %S')

cleanup() {
  if [[ -f "$WORK/nginx.pid" ]]; then kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

say() { printf '\n== %s\n' "$*" >&2; }

if ! command -v nginx >/dev/null; then
  say "installing nginx-light (apt)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null
fi
if [[ -z "${BACKENDCTL:-}" ]]; then
  say "building backendctl (release)"
  (cd "$ROOT" && cargo build --release -q)
  BACKENDCTL="${CARGO_TARGET_DIR:-$ROOT/target}/release/backendctl"
fi

# A user with a nested address and a list of orders: 700-odd bytes of JSON, each field
# checked against the schema below (types, required fields, formats, an enum, nesting).
BODY='{"id":42,"name":"Ann Example","email":"ann@example.com","active":true,"created":"2026-01-01T10:00:00Z","roles":["admin","dev"],"address":{"street":"Storgata 1","city":"Oslo","zip":"0150","country":"NO"},"orders":[{"id":1,"total":19.5,"status":"paid","items":2},{"id":2,"total":5,"status":"open","items":1},{"id":3,"total":120.25,"status":"shipped","items":7},{"id":4,"total":42,"status":"paid","items":3},{"id":5,"total":7.75,"status":"open","items":1}],"nickname":null}'

cat > "$WORK/openapi.yaml" <<'YAML'
openapi: 3.0.3
info: {title: Users, version: "1"}
paths:
  /users/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses:
        "200":
          description: one user
          content:
            application/json:
              schema: {$ref: "#/components/schemas/User"}
components:
  schemas:
    User:
      type: object
      required: [id, name, email, active, created, roles, address, orders]
      properties:
        id: {type: integer, minimum: 1}
        name: {type: string, minLength: 1}
        email: {type: string, format: email}
        active: {type: boolean}
        created: {type: string, format: date-time}
        roles: {type: array, items: {type: string}}
        nickname: {type: string, nullable: true}
        address:
          type: object
          required: [city, country]
          properties:
            street: {type: string}
            city: {type: string}
            zip: {type: string, pattern: "^[0-9]{4,5}$"}
            country: {type: string, minLength: 2, maxLength: 2}
        orders:
          type: array
          items: {$ref: "#/components/schemas/Order"}
    Order:
      type: object
      required: [id, total, status]
      properties:
        id: {type: integer}
        total: {type: number, minimum: 0}
        status: {type: string, enum: [open, paid, shipped]}
        items: {type: integer}
YAML

cat > "$WORK/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  server {
    listen 127.0.0.1:$PORT;
    location /users/ { default_type application/json; return 200 '$BODY'; }
  }
}
CONF
nginx -c "$WORK/nginx.conf"
URL="http://127.0.0.1:$PORT/users/42"
for _ in $(seq 1 50); do curl -fs "$URL" >/dev/null 2>&1 && break; sleep 0.2; done

# Every response must keep the contract, or the benchmark measures the wrong thing.
"$BACKENDCTL" load "$URL" -n 200 -u 2 --openapi "$WORK/openapi.yaml" --openapi-sample 100% \
  -t 'conformance>99.99%' -o json > "$WORK/check.json" ||
  { echo "nginx's body does not keep the contract:" >&2; cat "$WORK/check.json" >&2; exit 1; }

mode_flags() { # MODE
  case $1 in
    off) ;;
    default) echo "--openapi $WORK/openapi.yaml" ;;
    *%) echo "--openapi $WORK/openapi.yaml --openapi-sample $1" ;;
  esac
}

label() { # MODE
  case $1 in
    off) echo "off" ;;
    default) echo "default sample" ;;
    100%) echo "every response (100%)" ;;
    *) echo "sample $1" ;;
  esac
}

run_mode() { # MODE -> requests/s checked
  # shellcheck disable=SC2046
  "${GEN[@]}" "$BACKENDCTL" load "$URL" -u "$CONNS" -d "${DURATION}s" -o json $(mode_flags "$1") |
    python3 -c '
import json, sys
t = json.load(sys.stdin)["scenarios"][0]["total"]
assert t["failed"] == 0, t
print(t["rps"], t.get("conformance-checked", 0))'
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

pin_nginx() { # CPU list
  local master
  master=$(cat "$WORK/nginx.pid")
  for pid in $master $(pgrep -P "$master"); do taskset -a -p -c "$1" "$pid" >/dev/null; done
}

say "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for layout in $LAYOUTS; do
  last=$(($(nproc) - 1))
  if [[ $layout == isolated ]]; then
    if ((last < 1)); then say "isolated layout skipped: it needs 2 CPUs"; continue; fi
    pin_nginx 0
    GEN+=(taskset -c "1-$last")
  else
    pin_nginx "0-$last"
  fi
  say "$layout layout: nginx (1 worker) serving ${#BODY} bytes of JSON, $CONNS users, ${DURATION}s, median of $RUNS"
  for mode in $MODES; do : > "$WORK/rps-$mode" && : > "$WORK/cpu-$mode" && : > "$WORK/checked-$mode"; done
  for _ in $(seq 1 "$RUNS"); do
    for mode in $MODES; do
      read -r rps checked < <(run_mode "$mode")
      echo "$rps" >> "$WORK/rps-$mode"
      echo "$checked" >> "$WORK/checked-$mode"
      awk -v rps="$rps" -v d="$DURATION" 'END {print ($1 + $2) * 1e6 / (rps * d)}' "$WORK/cpu" >> "$WORK/cpu-$mode"
    done
  done
  off=$(median < "$WORK/rps-off")
  printf '\n%-24s %12s %10s %12s %16s   %s\n' "contract checks" "req/s" "÷ off" "CPU µs/req" "checked (last)" "runs (req/s)"
  for mode in $MODES; do
    printf '%-24s %12.0f %10.2f %12.2f %16s   %s\n' "$(label "$mode")" "$(median < "$WORK/rps-$mode")" \
      "$(python3 -c "print($(median < "$WORK/rps-$mode") / $off)")" "$(median < "$WORK/cpu-$mode")" \
      "$(tail -1 "$WORK/checked-$mode")" "$(sort -g "$WORK/rps-$mode" | awk '{printf "%.0f ", $1}')"
  done
  pin_nginx 0
  GEN=("${GEN[@]:0:5}")
done

say "peak RSS at 1000 virtual users (5s against nginx)"
printf '\n%-24s %12s\n' "contract checks" "peak RSS"
for mode in $MODES; do
  # shellcheck disable=SC2046
  /usr/bin/time -o "$WORK/rss" -f '%M' "$BACKENDCTL" load "$URL" -u 1000 -d 5s -o json $(mode_flags "$mode") >/dev/null
  printf '%-24s %9.1f MB\n' "$(label "$mode")" "$(python3 -c "print($(tail -1 "$WORK/rss") / 1024)")"
done
say "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
