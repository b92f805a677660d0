#!/usr/bin/env bash
# Migration benchmark: backendctl against sqlx-cli 0.9 and dbmate 2.36 on PostgreSQL, MariaDB and
# SQLite. For each engine and tool: apply 1,000 small migrations (CREATE TABLE t_N (id int primary
# key, v text), with its down), `status` with 1,000 applied, roll back 100. Prints the median of
# RUNS runs per cell and the ratio backendctl / fastest peer (below 1.00 = backendctl is faster).
# Not a timed test: run it by hand (see docs/migrate.md).
#
#   bash bench/migrate.sh            # installs the peers on first use, then measures
#
# Knobs (environment): N=1000 RB=100 RUNS=3 DBS="pg my lite" TOOLS="backendctl sqlx dbmate"
#   BENCH_PG_URL  (default postgres://postgres@127.0.0.1:5432)   server URL without a database
#   BENCH_MY_URL  (default mysql://root@127.0.0.1:3306)
#   BENCH_TOOLS   (default ~/.cache/backendctl-bench)            where the peers are installed
#   OUT           (default bench/results)                       raw timings (TSV) and the table
set -euo pipefail

N=${N:-1000}
RB=${RB:-100}
RUNS=${RUNS:-3}
DBS=${DBS:-"pg my lite"}
TOOLS=${TOOLS:-"backendctl sqlx dbmate"}
PG_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}
MY_URL=${BENCH_MY_URL:-mysql://root@127.0.0.1:3306}
TOOLS_DIR=${BENCH_TOOLS:-$HOME/.cache/backendctl-bench}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$ROOT/bench/results}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p "$OUT" "$TOOLS_DIR"

SQLX=$TOOLS_DIR/sqlx/bin/sqlx
DBMATE=$TOOLS_DIR/npm/node_modules/@dbmate/linux-x64/bin/dbmate
BCTL=$ROOT/target/release/backendctl
DB=bctl_bench

# ------------------------------------------------------------------ install
install() {
  if [[ " $TOOLS " == *" sqlx "* ]] && ! "$SQLX" --version 2>/dev/null | grep -q ' 0\.9\.0'; then
    echo "installing sqlx-cli 0.9.0 (cargo, several minutes on 2 cores)…" >&2
    cargo install --locked --no-default-features --features rustls,postgres,mysql,sqlite \
      --version 0.9.0 --root "$TOOLS_DIR/sqlx" sqlx-cli >&2
  fi
  if [[ " $TOOLS " == *" dbmate "* ]] && ! "$DBMATE" --version 2>/dev/null | grep -q '2\.36\.0'; then
    echo "installing dbmate 2.36.0 (npm)…" >&2
    # The npm package ships the static binary in @dbmate/linux-x64; it is run directly (the
    # node launcher adds ~100 ms per process, which would only inflate dbmate's rollback).
    npm install --silent --prefix "$TOOLS_DIR/npm" dbmate@2.36.0 >&2
  fi
  if [[ " $TOOLS " == *" backendctl "* ]]; then
    (cd "$ROOT" && cargo build --release --quiet) >&2
  fi
}

# ------------------------------------------------------------------ databases
reset_db() { # $1 = pg|my|lite
  case $1 in
    pg) psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null 2>&1 ;;
    my) mariadb_cmd -e "DROP DATABASE IF EXISTS $DB; CREATE DATABASE $DB" ;;
    lite) rm -f "$W/$DB.db"* ; : > "$W/$DB.db" ;;
  esac
}
mariadb_cmd() { # client flags from $MY_URL (user[:password]@host:port)
  local auth=${MY_URL#mysql://}; auth=${auth%%@*}
  local hostport=${MY_URL##*@}; local host=${hostport%%:*}; local port=${hostport##*:}
  local user=${auth%%:*} pass=""; [[ $auth == *:* ]] && pass=${auth#*:}
  mariadb -h"$host" -P"$port" -u"$user" ${pass:+-p"$pass"} "$@"
}
url() { # $1 tool, $2 db
  case $2 in
    pg) echo "$PG_URL/$DB?sslmode=disable" ;;
    my) echo "$MY_URL/$DB" ;;
    lite) case $1 in dbmate) echo "sqlite:$W/$DB.db" ;; *) echo "sqlite://$W/$DB.db" ;; esac ;;
  esac
}

# ------------------------------------------------------------------ migration sets
gen() {
  mkdir -p "$W/pairs" "$W/dbmate"
  local i v
  for ((i = 1; i <= N; i++)); do
    v=$(printf %04d "$i")
    printf 'CREATE TABLE t_%d (id int primary key, v text);\n' "$i" > "$W/pairs/${v}_m$i.up.sql"
    printf 'DROP TABLE t_%d;\n' "$i" > "$W/pairs/${v}_m$i.down.sql"
    printf -- '-- migrate:up\nCREATE TABLE t_%d (id int primary key, v text);\n\n-- migrate:down\nDROP TABLE t_%d;\n' "$i" "$i" > "$W/dbmate/${v}_m$i.sql"
  done
}

# ------------------------------------------------------------------ verbs
up() {
  local u; u=$(url "$1" "$2")
  case $1 in
    backendctl) "$BCTL" migrate -q -D "$u" --dir "$W/pairs" up ;;
    sqlx) "$SQLX" migrate run --source "$W/pairs" -D "$u" ;;
    dbmate) "$DBMATE" --no-dump-schema -d "$W/dbmate" -u "$u" migrate ;;
  esac
}
status() {
  local u; u=$(url "$1" "$2")
  case $1 in
    backendctl) "$BCTL" migrate -D "$u" --dir "$W/pairs" status ;;
    sqlx) "$SQLX" migrate info --source "$W/pairs" -D "$u" ;;
    dbmate) "$DBMATE" --no-dump-schema -d "$W/dbmate" -u "$u" status ;;
  esac
}
down() { # roll back $RB of $N
  local u k; u=$(url "$1" "$2")
  case $1 in
    backendctl) "$BCTL" migrate -q -D "$u" --dir "$W/pairs" down --steps "$RB" --yes ;;
    sqlx) "$SQLX" migrate revert --source "$W/pairs" -D "$u" --target-version $((N - RB)) ;;
    # dbmate has no multi-step rollback (amacneil/dbmate #18): one process per step.
    dbmate) for ((k = 0; k < RB; k++)); do "$DBMATE" --no-dump-schema -d "$W/dbmate" -u "$u" rollback >/dev/null || return 1; done ;;
  esac
}
tables() { # tables named t_% in the bench database
  case $1 in
    pg) psql "$PG_URL/$DB" -Atc "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name LIKE 't\_%'" ;;
    my) mariadb_cmd -N -e "SELECT count(*) FROM information_schema.tables WHERE table_schema = '$DB' AND table_name LIKE 't\\_%'" ;;
    lite) sqlite3 "$W/$DB.db" "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 't\_%' ESCAPE '\\'" ;;
  esac
}

# Durability work per apply, a figure this shared machine's disk noise does not blur:
# PostgreSQL WAL syncs (pg_stat_wal), InnoDB fsyncs (data + log), SQLite fsync/fdatasync calls
# (strace). Server-wide counters: other activity on the server during the run adds to them.
syncs() { # $1 db -> current counter
  case $1 in
    pg) psql "$PG_URL/postgres" -Atc "SELECT wal_sync FROM pg_stat_wal" 2>/dev/null || echo 0 ;;
    my) mariadb_cmd -N -e "SELECT SUM(VARIABLE_VALUE) FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME IN ('INNODB_DATA_FSYNCS', 'INNODB_OS_LOG_FSYNCS')" ;;
    lite) echo 0 ;;
  esac
}
counted_up() { # $1 tool $2 db: runs up and appends its sync count to syncs.tsv
  local before after n
  if [[ $2 == lite ]] && command -v strace >/dev/null; then
    strace -f -c -e trace=fsync,fdatasync -o "$W/strace.txt" bash -c "$(declare -f up url); BCTL='$BCTL' SQLX='$SQLX' DBMATE='$DBMATE' W='$W' DB='$DB' PG_URL='$PG_URL' MY_URL='$MY_URL'; up $1 $2" > /dev/null 2>&1 || true
    n=$(awk '$NF ~ /^(fsync|fdatasync)$/ {s += $4} END {print s + 0}' "$W/strace.txt")
  else
    before=$(syncs "$2"); up "$1" "$2" > /dev/null 2>&1 || true; after=$(syncs "$2"); n=$((after - before))
  fi
  printf '%s\t%s\t%s\n' "$1" "$2" "$n" >> "$OUT/syncs.tsv"
}

timed() { # label… -- command… ; appends "label… seconds rc" to the TSV
  local labels=() t0 t1 rc
  while [[ $1 != -- ]]; do labels+=("$1"); shift; done; shift
  t0=$EPOCHREALTIME
  if "$@" > "$W/last.log" 2>&1; then rc=0; else rc=$?; fi
  t1=$EPOCHREALTIME
  printf '%s\t%s\t%s\t%s\t%.3f\t%s\n' "${labels[@]}" "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')" "$rc" >> "$OUT/migrate.tsv"
  if [[ $rc != 0 ]]; then echo "  ${labels[*]} failed (rc $rc):" >&2; tail -5 "$W/last.log" >&2; fi
}

measure() {
  printf 'tool\tdb\top\trun\tseconds\trc\n' > "$OUT/migrate.tsv"
  local db t r
  for db in $DBS; do
    for t in $TOOLS; do
      for ((r = 1; r <= RUNS; r++)); do
        reset_db "$db"
        timed "$t" "$db" "apply_$N" "$r" -- up "$t" "$db"
        [[ $(tables "$db") == "$N" ]] || echo "  $t/$db: expected $N tables after apply, found $(tables "$db")" >&2
        timed "$t" "$db" "status_$N" "$r" -- status "$t" "$db"
        timed "$t" "$db" "rollback_$RB" "$r" -- down "$t" "$db"
        [[ $(tables "$db") == "$((N - RB))" ]] || echo "  $t/$db: expected $((N - RB)) tables after rollback, found $(tables "$db")" >&2
      done
      echo "  measured $t on $db" >&2
    done
  done
  printf 'tool\tdb\tsyncs\n' > "$OUT/syncs.tsv"
  for db in $DBS; do for t in $TOOLS; do reset_db "$db"; counted_up "$t" "$db"; done; done
  reset_db pg >/dev/null 2>&1 || true
}

# Median per (tool, db, op), then one table per op: seconds per tool and backendctl / fastest peer.
report() {
  awk -F'\t' -v tools="$TOOLS" -v dbs="$DBS" '
    NR > 1 { k = $1 SUBSEP $2 SUBSEP $3; v[k] = v[k] " " $5; if ($6 != 0) bad[k] = 1; if (!($3 in seen)) { seen[$3] = 1; ops[++nops] = $3 } }
    function median(s,   a, n) { n = split(s, a, " "); asort(a); return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    END {
      nt = split(tools, T, " "); nd = split(dbs, D, " ")
      name["pg"] = "PostgreSQL"; name["my"] = "MariaDB"; name["lite"] = "SQLite"
      for (o = 1; o <= nops; o++) { op = ops[o]
        printf "\n%s (median seconds)\n", op
        printf "%-12s", "engine"; for (i = 1; i <= nt; i++) printf "%12s", T[i]; printf "%26s\n", "backendctl/fastest peer"
        for (j = 1; j <= nd; j++) {
          printf "%-12s", name[D[j]]; best = ""
          for (i = 1; i <= nt; i++) {
            k = T[i] SUBSEP D[j] SUBSEP op
            if (!(k in v)) { printf "%12s", "-"; continue }
            m[i] = median(v[k]); printf "%12s", sprintf("%.3f%s", m[i], (k in bad) ? "!" : "")
            if (T[i] != "backendctl" && (best == "" || m[i] < best)) best = m[i]
            if (T[i] == "backendctl") mine = m[i]
          }
          if (best != "" && best > 0) printf "%26s\n", sprintf("%.2f", mine / best); else printf "%26s\n", "-"
        }
      }
      print "\n(! = at least one run failed; see the log above)"
    }' "$OUT/migrate.tsv" | tee "$OUT/migrate.txt"
  echo; echo "syncs to disk during apply_$N (one run each; PostgreSQL WAL syncs, InnoDB fsyncs, SQLite fsync calls)" | tee -a "$OUT/migrate.txt"
  column -t "$OUT/syncs.tsv" | tee -a "$OUT/migrate.txt"
}

install
gen
echo "machine: $(nproc) cores; N=$N, rollback $RB, $RUNS run(s) per cell" | tee "$OUT/migrate.header"
measure
report
