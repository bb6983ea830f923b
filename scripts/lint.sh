#!/usr/bin/env bash
# `make lint`: ruff and pylint-odoo, in a venv of their own under the data directory.
source "$(dirname "$0")/common.sh"
LINT_VENV="$DATA_DIR/lint-venv"
if [ ! -x "$LINT_VENV/bin/pylint" ]; then
    log "building the lint environment in $LINT_VENV"
    python3 -m venv "$LINT_VENV"
    "$LINT_VENV/bin/pip" install -q ruff "pylint-odoo==10.0.12"
fi
cd "$PROJECT_DIR"
"$LINT_VENV/bin/ruff" check .
# Fail on odoo lint errors (pylint's exit code is a bitmask: 1 fatal, 2 error, 4 warning, 8 refactor, 16 convention).
rc=0
"$LINT_VENV/bin/pylint" --rcfile="$PROJECT_DIR/.pylintrc" "$ADDONS_LINK_DIR/$MODULE_NAME" || rc=$?
[ $((rc & 7)) -eq 0 ] || die "pylint-odoo found problems (exit code $rc)"
log "lint clean"
