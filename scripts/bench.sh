#!/usr/bin/env bash
# `make bench`: the benchmark suite of bench/ on a throwaway database, one table at the end.
#   1. set-up if needed, and the load generator (bench/requirements.txt) in the project's venv;
#   2. a fresh database $BENCH_DB (default ta_bench) with tech_assessment and survey, demo data
#      on (the seed assessment), then the bench data (bench/setup_bench_db.py);
#   3. a real Odoo server on 127.0.0.1 (free ports picked here, --workers=2,
#      --max-cron-threads=0, --log-level=info) and the autosave load, ours vs Survey
#      (bench/run.py); the server is stopped;
#   4. grading after an answer key correction and the expiry cron (bench/bench_grading.py);
#   5. recording ingest: a second, short-lived server on the same database (--workers=0,
#      --max-cron-threads=0, so that one process receives and its peak RSS is readable) and
#      bench/bench_recording_ingest.py (1/5/20 MB chunks vs dd into the filestore); stopped;
#   6. the table (bench/report.py), also written to bench/results/latest.txt.
# The database is dropped at the end (BENCH_KEEP_DB=1 keeps it). Not part of `make test`.
# BENCH="load grading ingest testday" picks the parts to run (all by default), e.g.
# `make bench BENCH=ingest` for the recording ingest alone (a couple of minutes).
# The test day: BENCH_TESTDAY_LEVELS="150 250 350", BENCH_TESTDAY_SECONDS=300 (per level),
# BENCH_TESTDAY_WARMUP=20 (candidates of the uncounted warm-up run first).
# Knobs: BENCH_NS="10 50 100", BENCH_THINK=0.3 (s), BENCH_GRADING_ATTEMPTS=10000,
# BENCH_GRADING_SMALL=1000. BENCH_SMOKE=1: a tiny variant (N=3, 200 attempts), ~2 minutes.
source "$(dirname "$0")/common.sh"
bash "$PROJECT_DIR/scripts/setup.sh"

BENCH_DB="${BENCH_DB:-ta_bench}"
BENCH="${BENCH:-load grading ingest testday}"
want() { [[ " $BENCH " == *" $1 "* ]]; }
RESULTS_DIR="$PROJECT_DIR/bench/results"
if [ "${BENCH_SMOKE:-0}" = 1 ]; then
    : "${BENCH_NS:=3}" "${BENCH_THINK:=0.1}" "${BENCH_GRADING_ATTEMPTS:=200}" "${BENCH_GRADING_SMALL:=100}"
fi
export BENCH_NS="${BENCH_NS:-10 50 100}"
export BENCH_GRADING_ATTEMPTS="${BENCH_GRADING_ATTEMPTS:-10000}"
export BENCH_GRADING_SMALL="${BENCH_GRADING_SMALL:-1000}"
BENCH_THINK="${BENCH_THINK:-0.3}"
export BENCH_FIXTURES="$RESULTS_DIR/fixtures.json"
export BENCH_GRADING_OUT="$RESULTS_DIR/grading.json"
LOAD_OUT="$RESULTS_DIR/load.json"
SERVER_LOG="$RESULTS_DIR/server.log"
INGEST_OUT="$RESULTS_DIR/ingest.json"
INGEST_LOG="$RESULTS_DIR/ingest.log"
INGEST_SERVER_LOG="$RESULTS_DIR/ingest-server.log"
mkdir -p "$RESULTS_DIR"
rm -f "$BENCH_FIXTURES" "$BENCH_GRADING_OUT" "$LOAD_OUT" "$SERVER_LOG" "$RESULTS_DIR/install.log" \
      "$INGEST_OUT" "$INGEST_LOG" "$INGEST_SERVER_LOG" "$RESULTS_DIR/ingest-server.out"

# The load generator, once: only when its pinned versions are not all there.
if ! "$PYTHON" - "$PROJECT_DIR/bench/requirements.txt" <<'PY' >/dev/null 2>&1
import sys
from importlib.metadata import version
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if line:
        name, _, wanted = line.partition("==")
        assert version(name) == wanted, name
PY
then
    log "installing the load generator (bench/requirements.txt) into $VENV_DIR"
    "$PYTHON" -m pip install -q -r "$PROJECT_DIR/bench/requirements.txt"
fi

SERVER_PID=""
stop_server() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 30); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.5; done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}
drop_db() {
    dropdb --if-exists --force "$BENCH_DB" >/dev/null 2>&1 || true
    rm -rf "$ODOO_DATA_DIR/filestore/$BENCH_DB"
}
cleanup() {
    stop_server
    if [ "${BENCH_KEEP_DB:-0}" = 1 ]; then log "database $BENCH_DB kept"; else drop_db; fi
}
trap cleanup EXIT

free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# start_server PORT LOG OUT odoo-options...: Odoo on 127.0.0.1:PORT, in SERVER_PID, up when
# /web/health answers. odoo_bin, exec'ed so that $! is Odoo's own (master) process.
start_server() {
    local port="$1" logfile="$2" out="$3"
    shift 3
    ( exec "$PYTHON" "$ODOO_DIR/odoo-bin" -c "$ODOO_CONF" -d "$BENCH_DB" --db-filter="^$BENCH_DB\$" \
        --http-interface=127.0.0.1 --http-port="$port" --logfile="$logfile" "$@" >"$out" 2>&1 ) &
    SERVER_PID=$!
    for _ in $(seq 1 120); do
        curl -fsS -m 2 "http://127.0.0.1:$port/web/health" >/dev/null 2>&1 && break
        kill -0 "$SERVER_PID" 2>/dev/null || die "the Odoo server stopped: see $logfile"
        sleep 0.5
    done
    curl -fsS -m 2 "http://127.0.0.1:$port/web/health" >/dev/null \
        || die "the Odoo server did not answer /web/health in 60 s: see $logfile"
}

started=$SECONDS
load_avg="$(cut -d' ' -f1-3 /proc/loadavg)"

# 2. The database and the bench data
drop_db
log "creating database $BENCH_DB with tech_assessment and survey, demo data on (about a minute)"
rc=0
odoo_bin -d "$BENCH_DB" -i "$MODULE_NAME,survey" --stop-after-init --no-http --log-level=info \
    --logfile="$RESULTS_DIR/install.log" || rc=$?
if [ "$rc" -ne 0 ] || grep -qE '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$RESULTS_DIR/install.log"; then
    grep -E '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$RESULTS_DIR/install.log" >&2 || true
    die "installing $MODULE_NAME,survey failed (exit $rc): see $RESULTS_DIR/install.log"
fi
if want load || want grading; then
log "bench data: candidates, started attempts, the Survey certification and its inputs"
odoo_bin shell -d "$BENCH_DB" --no-http --log-level=warn < "$PROJECT_DIR/bench/setup_bench_db.py"
[ -s "$BENCH_FIXTURES" ] || die "bench/setup_bench_db.py wrote no fixtures"
fi

# 3. The server and the load
load_rc=0
grading_rc=0
if want load; then
HTTP_PORT_BENCH="$(free_port)"
GEVENT_PORT_BENCH="$(free_port)"
while [ "$GEVENT_PORT_BENCH" = "$HTTP_PORT_BENCH" ]; do GEVENT_PORT_BENCH="$(free_port)"; done
log "starting Odoo on 127.0.0.1:$HTTP_PORT_BENCH (--workers=2 --max-cron-threads=0)"
start_server "$HTTP_PORT_BENCH" "$SERVER_LOG" "$RESULTS_DIR/server.out" --workers=2 \
    --max-cron-threads=0 --gevent-port="$GEVENT_PORT_BENCH" --log-level=info

"$PYTHON" "$PROJECT_DIR/bench/run.py" --fixtures "$BENCH_FIXTURES" \
    --base-url "http://127.0.0.1:$HTTP_PORT_BENCH" --server-log "$SERVER_LOG" \
    --think "$BENCH_THINK" --out "$LOAD_OUT" || load_rc=$?
[ -s "$LOAD_OUT" ] || die "the load driver wrote no results"
stop_server
fi

# 4. Grading and the expiry cron (no server running: the machine is theirs alone)
if want grading; then
log "grading and expiry cron over $BENCH_GRADING_ATTEMPTS attempts (a few minutes)"
odoo_bin shell -d "$BENCH_DB" --no-http --log-level=warn < "$PROJECT_DIR/bench/bench_grading.py" \
    || grading_rc=$?
[ -s "$BENCH_GRADING_OUT" ] || grading_rc=1
fi

# 5. Recording ingest: one process (--workers=0) receives, so its VmHWM is the peak while
#    receiving; dd writes into the database's own filestore, where the chunks land.
ingest_rc=0
if want ingest; then
INGEST_PORT="$(free_port)"
log "recording ingest: starting Odoo on 127.0.0.1:$INGEST_PORT (--workers=0 --max-cron-threads=0)"
start_server "$INGEST_PORT" "$INGEST_SERVER_LOG" "$RESULTS_DIR/ingest-server.out" --workers=0 \
    --max-cron-threads=0 --log-level=info
mkdir -p "$ODOO_DATA_DIR/filestore/$BENCH_DB"
"$PYTHON" "$PROJECT_DIR/bench/bench_recording_ingest.py" --url "http://127.0.0.1:$INGEST_PORT" \
    --db "$BENCH_DB" --login admin --password admin --pid "$SERVER_PID" \
    --dir "$ODOO_DATA_DIR/filestore/$BENCH_DB" --json "$INGEST_OUT" --server-log "$INGEST_SERVER_LOG" \
    >"$INGEST_LOG" 2>&1 || ingest_rc=$?
cat "$INGEST_LOG" >&2
[ -s "$INGEST_OUT" ] || ingest_rc=1
stop_server
fi

# 5b. The recorded test day: N candidates recording webcam and screen and answering, against
#     --workers=2, for BENCH_TESTDAY_SECONDS at each N of BENCH_TESTDAY_LEVELS.
testday_rc=0
TESTDAY_OUT="$RESULTS_DIR/testday.json"
rm -f "$TESTDAY_OUT"
if want testday; then
    levels="${BENCH_TESTDAY_LEVELS:-150 250 350}"
    warmup="${BENCH_TESTDAY_WARMUP:-20}"
    total="$warmup"
    for n in $levels; do total=$((total + n)); done
    log "recorded test day: $total attempts for N = $levels"
    BENCH_TESTDAY_N="$total" BENCH_TESTDAY_FIXTURES="$RESULTS_DIR/testday-fixtures.json" \
        odoo_bin shell -d "$BENCH_DB" --no-http --log-level=warn < "$PROJECT_DIR/bench/setup_test_day.py"
    TESTDAY_PORT="$(free_port)"
    TESTDAY_GEVENT="$(free_port)"
    log "starting Odoo on 127.0.0.1:$TESTDAY_PORT (--workers=2 --max-cron-threads=0)"
    start_server "$TESTDAY_PORT" "$RESULTS_DIR/testday-server.log" "$RESULTS_DIR/testday-server.out" \
        --workers=2 --max-cron-threads=0 --gevent-port="$TESTDAY_GEVENT" --log-level=warn
    "$PYTHON" "$PROJECT_DIR/bench/bench_test_day.py" --fixtures "$RESULTS_DIR/testday-fixtures.json" \
        --base-url "http://127.0.0.1:$TESTDAY_PORT" --levels "$levels" --warmup "$warmup" \
        --duration "${BENCH_TESTDAY_SECONDS:-300}" --json "$TESTDAY_OUT" >/dev/null || testday_rc=$?
    stop_server
fi

# 6. The table
odoo_version="$("$PYTHON" -c "import sys; sys.path.insert(0, '$ODOO_DIR'); from odoo import release; print(release.version)")"
machine="$(nproc) cores, Python $("$PYTHON" -c 'import platform; print(platform.python_version())'),"
machine+=" PostgreSQL $(psql -d postgres -tAc 'SHOW server_version' | cut -d' ' -f1),"
machine+=" Odoo $odoo_version ($(cat "$ODOO_DIR/.tech_assessment_source" 2>/dev/null || echo 'source unknown')),"
machine+=" load average at start $load_avg (shared machine: figures are noisy)"
"$PYTHON" "$PROJECT_DIR/bench/report.py" --load "$LOAD_OUT" --grading "$BENCH_GRADING_OUT" \
    --ingest "$INGEST_OUT" --testday "$TESTDAY_OUT" --machine "$machine" \
    --server "odoo-bin --workers=2 --max-cron-threads=0 on 127.0.0.1, database $BENCH_DB; the load generator on the same machine" \
    --out "$RESULTS_DIR/latest.txt"
log "table written to $RESULTS_DIR/latest.txt ($((SECONDS - started)) s in all)"
[ "$load_rc" -eq 0 ] || die "the load run failed its checks (answers stored, log lines): see above"
[ "$grading_rc" -eq 0 ] || die "the grading/cron run failed: see above"
[ "$ingest_rc" -eq 0 ] || die "the recording ingest run failed: see $INGEST_LOG and $INGEST_SERVER_LOG"
[ "$testday_rc" -eq 0 ] || die "the recorded test day failed: see $RESULTS_DIR/testday-server.log"
