#!/usr/bin/env bash
# `make pot` / `make pot-check`: the translation template i18n/tech_assessment.pot, from the code.
#   scripts/i18n.sh write   regenerate it (the file changes only when a term, a comment or a
#                           reference changed: the header carries no date)
#   scripts/i18n.sh check   regenerate it into a temporary file and fail, with the diff, when it
#                           differs from the committed one (POT-Creation-Date / PO-Revision-Date
#                           lines are ignored on both sides)
# How: a throwaway database ta_pot_<checkout key> (one per checkout, so clones do not collide)
# gets the module installed without demo data, Odoo exports the template of the module
# (odoo-bin --i18n-export with no --language), the database and its filestore are dropped.
# About a minute on 2 cores. Needs the set-up of `make setup` (run here when missing).
# The header is normalised: no dates, and "Project-Id-Version: Odoo Server 17.0" whatever the
# nightly of Odoo 17 is in use, so that two machines write the same bytes.
given_http_port="${HTTP_PORT:-}"
source "$(dirname "$0")/common.sh"

mode="${1:-check}"
case "$mode" in write|check) ;; *) die "usage: scripts/i18n.sh write|check" ;; esac

POT_FILE="$PROJECT_DIR/i18n/$MODULE_NAME.pot"
POT_DB="${POT_DB:-ta_pot_$CHECKOUT_KEY}"

# The set-up rewrites this checkout's odoo.conf: keep the HTTP port it has (no server is
# started here, but `make run` of this checkout reads it).
if [ -z "$given_http_port" ] && [ -f "$ODOO_CONF" ]; then
    HTTP_PORT="$(sed -n 's/^http_port = //p' "$ODOO_CONF")"
    HTTP_PORT="${HTTP_PORT:-8069}"
fi
HTTP_PORT="$HTTP_PORT" bash "$PROJECT_DIR/scripts/setup.sh"

# One export at a time per checkout: they share the database name.
mkdir -p "$ADDONS_LINK_DIR"
exec 9>"$ADDONS_LINK_DIR/i18n.lock"
flock 9

WORK="$(mktemp -d)"
drop_db() {
    dropdb --if-exists --force "$POT_DB" >/dev/null 2>&1 || true
    rm -rf "$ODOO_DATA_DIR/filestore/$POT_DB"
}
cleanup() { drop_db; rm -rf "$WORK"; }
trap cleanup EXIT

# Odoo exits 0 even when loading a module logs errors: read the log.
odoo_step() {  # $1: what, then odoo-bin arguments
    local what="$1" rc=0
    shift
    : >"$WORK/odoo.log"
    odoo_bin -d "$POT_DB" --stop-after-init --no-http --workers=0 --max-cron-threads=0 \
        --log-level=warn --logfile="$WORK/odoo.log" "$@" || rc=$?
    if [ "$rc" -ne 0 ] || grep -qE '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$WORK/odoo.log"; then
        tail -30 "$WORK/odoo.log" >&2
        if grep -q 'Failed to extract terms from' "$WORK/odoo.log"; then
            grep -o 'Failed to extract terms from .*' "$WORK/odoo.log" | sed "s|$ADDONS_LINK_DIR/$MODULE_NAME/||" >&2
            log "Odoo's extractor (Babel) could not read a file, so its terms would be missing: usually"
            log "a call _(...) / _lt(...) / _t(...) whose arguments hold an f-string or an expression"
            log "Babel cannot evaluate; compute the value before the call."
        fi
        die "$what failed (exit code $rc): the log is above"
    fi
}

started=$SECONDS
drop_db
log "exporting the terms of $MODULE_NAME (throwaway database $POT_DB, without demo data)"
odoo_step "installing $MODULE_NAME" -i "$MODULE_NAME" --without-demo=all
odoo_step "exporting the template" --i18n-export="$WORK/raw.pot" --modules="$MODULE_NAME"
[ -s "$WORK/raw.pot" ] || die "Odoo wrote no template"

# The normalised header: no dates, the series only.
series="$("$PYTHON" -c "import sys; sys.path.insert(0, '$ODOO_DIR'); from odoo import release; print(release.series)")"
sed -E -e '/^"(POT-Creation-Date|PO-Revision-Date): .*\\n"$/d' \
       -e "s/^\"Project-Id-Version: .*\\\\n\"\$/\"Project-Id-Version: Odoo Server $series\\\\n\"/" \
       "$WORK/raw.pot" >"$WORK/new.pot"

strip_dates() { sed -E '/^"(POT-Creation-Date|PO-Revision-Date): .*\\n"$/d' "$1"; }

if [ "$mode" = write ]; then
    mkdir -p "$(dirname "$POT_FILE")"
    if [ -f "$POT_FILE" ] && cmp -s <(strip_dates "$POT_FILE") "$WORK/new.pot"; then
        log "i18n/$MODULE_NAME.pot is up to date ($((SECONDS - started)) s)"
    else
        cp "$WORK/new.pot" "$POT_FILE"
        log "i18n/$MODULE_NAME.pot written ($(grep -c '^msgid ' "$POT_FILE") msgids, $((SECONDS - started)) s)"
    fi
    exit 0
fi

[ -f "$POT_FILE" ] || die "i18n/$MODULE_NAME.pot is missing: run 'make pot' and commit it"
if ! diff -u --label "i18n/$MODULE_NAME.pot (committed)" --label "i18n/$MODULE_NAME.pot (from the code)" \
        <(strip_dates "$POT_FILE") "$WORK/new.pot" >"$WORK/pot.diff"; then
    head -80 "$WORK/pot.diff" >&2
    [ "$(wc -l <"$WORK/pot.diff")" -le 80 ] || log "(diff cut at 80 lines)"
    die "i18n/$MODULE_NAME.pot is out of date with the code: run 'make pot' and commit the result"
fi
log "i18n/$MODULE_NAME.pot is up to date ($((SECONDS - started)) s)"
