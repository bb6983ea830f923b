#!/usr/bin/env bash
# `make test`: set-up if needed, then a fresh throwaway database every run:
#   1. install without demo data (must log no ERROR), run the whole suite on it (pytest-odoo,
#      HTTP server and browser tours included), then uninstall (must log no ERROR either);
#   2. install with demo data (must log no ERROR), run the tests of the demo content.
# Exits non-zero on any failure, error, empty run or ERROR logged while installing.
# Extra arguments go to pytest (e.g. `make test ARGS="-k portal"`).
# SKIP_NODEMO=1 skips step 1 and runs the whole suite on the demo database (a quicker
# loop while developing).
source "$(dirname "$0")/common.sh"
bash "$PROJECT_DIR/scripts/setup.sh"

TEST_DB="${TEST_DB:-ta_test_$CHECKOUT_KEY}"
LOG_DIR="$ADDONS_LINK_DIR/logs/$TEST_DB"
mkdir -p "$LOG_DIR"

drop_db() {
    dropdb --if-exists "$1" >/dev/null 2>&1 || true
    rm -rf "$ODOO_DATA_DIR/filestore/$1"
}
cleanup() {
    # the demo database's install may still run in the background (see below)
    if [ -n "${demo_pid:-}" ]; then
        pkill -f -- "-d $TEST_DB --stop-after-init" 2>/dev/null || true
        wait "$demo_pid" 2>/dev/null || true
    fi
    drop_db "$TEST_DB"; drop_db "${TEST_DB}_nodemo"
}
trap cleanup EXIT

# Odoo exits 0 even when loading a module logs errors: read the log.
check_log() {  # $1: step name, $2: exit code, $3: log file
    local errors
    errors="$(grep -E '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$3" || true)"
    if [ "$2" -ne 0 ] || [ -n "$errors" ]; then
        log "$1 FAILED (exit code $2). Errors logged:"
        printf '%s\n' "$errors" >&2
        log "end of the log:"
        tail -15 "$3" >&2
        log "full log: $3"
        exit 1
    fi
    log "$1: ok"
}

module_state() {  # $1: database, $2: module (default: the main one)
    psql -d "$1" -tAc "SELECT state FROM ir_module_module WHERE name = '${2:-$MODULE_NAME}'"
}

odoo_step() {  # $1: step name, $2: database, then odoo-bin arguments
    local step="$1" db="$2" logfile="$LOG_DIR/${1// /_}.log" rc=0
    shift 2
    rm -f "$logfile"
    odoo_bin -d "$db" --stop-after-init --no-http --log-level=info --logfile="$logfile" "$@" || rc=$?
    check_log "$step" "$rc" "$logfile"
}

run_suite() {  # $1: database, $2: what to run (a pytest -k expression, or "" for all),
               # $3: the tests' folders (space-separated, relative to the addons link folder)
    local db="$1" selection="$2" rc=0 select=() paths=()
    read -r -a paths <<<"$3"
    shift 3
    [ -n "$selection" ] && select=(-k "$selection")
    (cd "$ADDONS_LINK_DIR" && PYTHONPATH="$ODOO_DIR" "$VENV_DIR/bin/pytest" \
        -p no:cacheprovider -o addopts="" --rootdir="$ADDONS_LINK_DIR" \
        --odoo-config="$ODOO_CONF" --odoo-database="$db" --odoo-http \
        --odoo-log-level=warn -r fEs -W ignore::DeprecationWarning \
        -p no:schemathesis "${paths[@]}" "${select[@]}" "${extra_args[@]}" "$@") || rc=$?
    case $rc in
        0) log "tests passed on $db (${selection:-all})" ;;
        5) log "pytest collected no test on $db (${selection:-all}): that is a failure"; exit 5 ;;
        *) log "tests failed on $db (pytest exit code $rc)"; exit "$rc" ;;
    esac
}

# the accessibility checks of the browser tests (tests/candidate_browser.py)
export TECH_ASSESSMENT_AXE_JS="$AXE_JS"

# With demo data, Recruitment too: the bridges to other applications (bridges/, installed by
# themselves with what they join) are tested there, after the tests of the demo content.
install_with_demo_data() {
    odoo_step "install with demo data" "$TEST_DB" -i "$(IFS=,; echo "$MODULE_NAME,${BRIDGE_DEPENDENCIES[*]}")"
}

# ARGS is split like a shell line, so ARGS="-k 'portal or api'" works.
eval "extra_args=(${ARGS:-})"
cleanup
start=$SECONDS
if [ "${SKIP_NODEMO:-0}" != 1 ]; then
    # The suite creates its own data: it runs on a database without demo data, then the
    # module is uninstalled from it. The tests of the shipped demo content (names with
    # "demo") run on a database with demo data below. (Not "seed": Hypothesis tests carry
    # an attribute named _hypothesis_internal_use_seed, and -k matches attribute names.)
    odoo_step "install without demo data" "${TEST_DB}_nodemo" -i "$MODULE_NAME" --without-demo=all
    [ "$(module_state "${TEST_DB}_nodemo")" = installed ] || die "module not installed without demo data"
    log "install without demo data took $((SECONDS - start)) s; running the test suite on it"
    # Meanwhile, the database with demo data installs on the other core (a minute saved);
    # its log is checked once the suite is done.
    install_with_demo_data &
    demo_pid=$!
    run_suite "${TEST_DB}_nodemo" "not demo" "$MODULE_NAME/tests" "$@"
    uninstall_log="$LOG_DIR/uninstall.log"
    rm -f "$uninstall_log"
    rc=0
    odoo_bin shell -d "${TEST_DB}_nodemo" --no-http --log-level=info --logfile="$uninstall_log" <<'PY' || rc=$?
env["ir.module.module"].search([("name", "=", "tech_assessment")]).button_immediate_uninstall()
env.cr.commit()
PY
    check_log "uninstall" "$rc" "$uninstall_log"
    [ "$(module_state "${TEST_DB}_nodemo")" = uninstalled ] || die "module not uninstalled"
    leftovers="$(psql -d "${TEST_DB}_nodemo" -tAc "SELECT string_agg(tablename, ', ') FROM pg_tables WHERE tablename LIKE 'assessment\_%'")"
    [ -z "$leftovers" ] || die "uninstall left tables behind: $leftovers"
    drop_db "${TEST_DB}_nodemo"
    wait "$demo_pid" || die "the install with demo data failed (its errors are above)"
    demo_pid=""
else
    install_with_demo_data
fi
[ "$(module_state "$TEST_DB")" = installed ] || die "module not installed with demo data"
bridge_tests=""
for bridge in "${BRIDGE_MODULES[@]}"; do
    [ "$(module_state "$TEST_DB" "$bridge")" = installed ] || die "$bridge was not installed with $MODULE_NAME and ${BRIDGE_DEPENDENCIES[*]}"
    bridge_tests+=" $bridge/tests"
done
log "installs and the no-demo suite took $((SECONDS - start)) s; running the tests of the demo data"
if [ "${SKIP_NODEMO:-0}" = 1 ]; then
    run_suite "$TEST_DB" "" "$MODULE_NAME/tests$bridge_tests" "$@"
else
    run_suite "$TEST_DB" "demo" "$MODULE_NAME/tests" "$@"
    if [ -n "$bridge_tests" ]; then
        log "running the tests of the bridges:$bridge_tests"
        run_suite "$TEST_DB" "" "${bridge_tests# }" "$@"
    fi
fi
log "all tests passed"
