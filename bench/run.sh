#!/usr/bin/env bash
# The load benchmark (issue 8): builds the release binary, loads `demo-data --scale
# large` into a fresh PostgreSQL database, then measures each endpoint with wrk on
# loopback and the same SQL with pgbench at the same concurrency (the API/DB ratio is
# the figure that holds on a noisy machine), and the server's peak RSS under 64
# connections. Prints a Markdown table; bench/RESULTS.md records a run.
#
#   bash bench/run.sh                 # everything (about 10 minutes on 2 cores)
#   SKIP_LOAD=1 BENCH_DB=name bash bench/run.sh   # reuse a loaded database
#
# Needs: PostgreSQL reachable as PG_ADMIN_URL (trust auth), wrk and pgbench (installed
# from Debian's packages when missing and running as root).
set -euo pipefail
cd "$(dirname "$0")/.."

PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PG_BASE=${PG_ADMIN_URL%/*}
BENCH_DB=${BENCH_DB:-zhenxing_bench}
PORT=${BENCH_PORT:-18600}
DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=2
YEAR=2025
OUT=$(mktemp -d)
trap 'kill "${server_pid:-}" 2>/dev/null || true; rm -rf "$OUT"' EXIT

step() { printf '\n== %s\n' "$*" >&2; }

for tool in wrk pgbench psql; do
    if ! command -v "$tool" >/dev/null; then
        step "installing $tool"
        apt-get install -y "${tool/psql/postgresql-client}" >/dev/null || {
            apt-get update >/dev/null && apt-get install -y "${tool/psql/postgresql-client}" >/dev/null
        }
    fi
done

step "release build"
cargo build --release -p api --bin zhenxing
bin=target/release/zhenxing

export DATABASE_URL=$PG_BASE/$BENCH_DB
export JWT_SECRET=${JWT_SECRET:-bench-secret-bench-secret-bench-secret-0123}
export PII_KEY=${PII_KEY:-YmVuY2gta2V5LWJlbmNoLWtleS1iZW5jaC1rZXktMDE=}
export BOOTSTRAP_ADMIN_PASSWORD=Bench-pass-2025
export RUST_LOG=${RUST_LOG:-warn}
export WORKERS=${WORKERS:-2}
export DB_POOL_SIZE=${DB_POOL_SIZE:-16}
export BIND_ADDR=127.0.0.1:$PORT

if [[ -z ${SKIP_LOAD:-} ]]; then
    step "fresh database $BENCH_DB and demo-data --scale large"
    psql -q "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" -c "CREATE DATABASE $BENCH_DB"
    load_started=$(date +%s.%N)
    "$bin" demo-data --scale large
    load_seconds=$(echo "$(date +%s.%N) - $load_started" | bc)
    psql -q "$DATABASE_URL" -c "VACUUM ANALYZE"
else
    load_seconds="(reused)"
fi

step "server"
"$bin" serve >"$OUT/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
    curl -sf "http://$BIND_ADDR/readyz" >/dev/null && break
    sleep 0.2
done
B=http://$BIND_ADDR/api/v1
BENCH_TOKEN=$(curl -sf -X POST "$B/auth/login" -H 'Content-Type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$BOOTSTRAP_ADMIN_PASSWORD\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
export BENCH_TOKEN
q() { psql -At "$DATABASE_URL" -c "$1"; }
BENCH_COUNTY=$(q "SELECT county_code FROM projects GROUP BY county_code ORDER BY COUNT(*) DESC LIMIT 1")
BENCH_ORGANIZATION=$(q "SELECT p.organization_id FROM pairings p JOIN organizations o ON o.id = p.organization_id
    WHERE p.county_code = '$BENCH_COUNTY' AND p.status <> 'terminated' AND o.status = 'active' LIMIT 1")
export BENCH_COUNTY BENCH_ORGANIZATION
counts=$(q "SELECT (SELECT COUNT(*) FROM organizations) || ' organizations, ' || (SELECT COUNT(*) FROM pairings)
    || ' pairings, ' || (SELECT COUNT(*) FROM projects) || ' projects, ' || (SELECT COUNT(*) FROM households)
    || ' households, ' || (SELECT COUNT(*) FROM assistance_records) || ' assistance records'")

# wrk URL [lua] -> "rps p50 p95 p99 errors"
run_wrk() {
    local url=$1 script=$OUT/run.lua connections=${3:-$CONNECTIONS}
    cat bench/load/latency.lua >"$script"
    [[ -n ${2:-} ]] && cat "bench/load/$2" >>"$script"
    wrk -t$THREADS -c"$connections" -d"$DURATION" --latency -s "$script" "$url" |
        sed -n 's/^RESULT //p'
}
# pgbench FILE [defines...] -> tps
run_pgbench() {
    local file=$1
    shift
    pgbench -n -M prepared -c "$CONNECTIONS" -j $THREADS -T "${DURATION%s}" "$@" -f "bench/load/$file" "$DATABASE_URL" 2>/dev/null |
        sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }

declare -a rows
measure() {
    local name=$1 url=$2 lua=$3 sql=$4
    shift 4
    step "$name"
    local api db
    api=$(run_wrk "$url" "$lua")
    db=$(run_pgbench "$sql" "$@")
    local rps p95
    rps=$(field rps "$api")
    p95=$(field p95_ms "$api")
    rows+=("| \`$name\` | $rps | $(field p50_ms "$api") | $p95 | $(field errors "$api") | $db | $(echo "scale=2; $rps / $db" | bc) |")
}

measure "GET /regions/{code}" "$B/regions/530102" "" region.sql -D code=530102
measure "GET /pairings?page_size=20" "$B/pairings?page_size=20" "" pairings.sql
measure "GET /projects?county=$BENCH_COUNTY" "$B/projects?county=$BENCH_COUNTY" get_with_token.lua projects.sql \
    -D "county=$BENCH_COUNTY"
measure "GET /stats/overview?year=$YEAR" "$B/stats/overview?year=$YEAR" "" overview.sql
measure "POST /projects" "$B/projects" post_projects.lua post_project.sql \
    -D "county=$BENCH_COUNTY" -D "organization=$BENCH_ORGANIZATION"

step "peak RSS under 64 connections"
run_wrk "$B/stats/overview?year=$YEAR" "" 64 >/dev/null
run_wrk "$B/pairings?page_size=20" "" 64 >/dev/null
rss_kib=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$server_pid/status")

cat <<REPORT

Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(psql -At "$PG_ADMIN_URL" -c 'SHOW server_version') on the same host.
Data: $counts (demo-data --scale large, loaded in ${load_seconds} s).
wrk -t$THREADS -c$CONNECTIONS -d$DURATION against WORKERS=$WORKERS, DB_POOL_SIZE=$DB_POOL_SIZE; pgbench -M prepared -c$CONNECTIONS -j$THREADS -T${DURATION%s}.

| endpoint | API req/s | p50 ms | p95 ms | errors | pgbench tps (same SQL) | API / DB |
|---|---|---|---|---|---|---|
$(printf '%s\n' "${rows[@]}")

Peak RSS (VmHWM) of the server after 64-connection runs: $((rss_kib / 1024)) MiB ($rss_kib KiB).
REPORT
