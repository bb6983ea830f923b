#!/usr/bin/env bash
# `make run`: set-up if needed, a database with the module and its demo data,
# then Odoo served on http://127.0.0.1:$HTTP_PORT. Each start updates the module
# so that the database follows the checkout.
source "$(dirname "$0")/common.sh"
bash "$PROJECT_DIR/scripts/setup.sh"

if psql -d "$RUN_DB" -tAc 'SELECT 1' >/dev/null 2>&1; then
    install_arg=(-u "$MODULE_NAME")
else
    log "creating database '$RUN_DB' with the module and its demo data (about a minute)"
    install_arg=(-i "$MODULE_NAME")
fi
cat >&2 <<MSG

  Technical Assessments on Odoo 17
  URL:        http://127.0.0.1:$HTTP_PORT/web/login   (database: $RUN_DB)
  HR user:    recruiter / recruiter   (Assessments > Assessments)
  Admin:      admin / admin
  Candidate:  candidate / candidate   (portal: /my/assessments)
  Stop with Ctrl+C.

MSG
exec "$PYTHON" "$ODOO_DIR/odoo-bin" -c "$ODOO_CONF" -d "$RUN_DB" --db-filter="^$RUN_DB\$" \
    "${install_arg[@]}" --http-port="$HTTP_PORT" "$@"
