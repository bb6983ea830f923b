# Shared settings for the project's scripts; sourced, never run.
# Everything heavy (Odoo's source, the Python environment, the addons link)
# lives outside the checkout, under the user's data directory, so that every
# clone of the repository reuses it.
set -euo pipefail

PROJECT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
MODULE_NAME="tech_assessment"
DATA_DIR="${TECH_ASSESSMENT_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/tech_assessment}"
ODOO_DIR="$DATA_DIR/odoo-17.0"
VENV_DIR="$DATA_DIR/venv"
PYTHON="$VENV_DIR/bin/python"
# One addons folder per checkout: a link named after the module, so that Odoo
# loads this checkout as `tech_assessment` whatever the clone's folder is called.
CHECKOUT_KEY="$(printf '%s' "$PROJECT_DIR" | sha1sum | cut -c1-10)"
ADDONS_LINK_DIR="$DATA_DIR/checkouts/$CHECKOUT_KEY"
ODOO_CONF="$ADDONS_LINK_DIR/odoo.conf"
# Small addons that join this one to another application (bridges/<name>/__manifest__.py);
# each is linked beside the main addon, under its own name, by the set-up.
BRIDGE_MODULES=()
for _manifest in "$PROJECT_DIR"/bridges/*/__manifest__.py; do
    [ -f "$_manifest" ] && BRIDGE_MODULES+=("$(basename "$(dirname "$_manifest")")")
done
unset _manifest
# The applications the bridges join (installed with the demo data by `make test`, so that the
# bridges install by themselves: they are auto_install).
BRIDGE_DEPENDENCIES=(hr_recruitment)
ODOO_DATA_DIR="$DATA_DIR/filestore"
HTTP_PORT="${HTTP_PORT:-8069}"
# axe-core (npm), injected by the browser tests into the candidate's pages (WCAG checks).
AXE_VERSION="4.11.1"
AXE_DIR="$DATA_DIR/test-node/axe-core-$AXE_VERSION"
AXE_JS="$AXE_DIR/node_modules/axe-core/axe.min.js"
RUN_DB="${RUN_DB:-tech_assessment}"

log() { printf '[tech_assessment] %s\n' "$*" >&2; }
die() { printf '[tech_assessment] ERROR: %s\n' "$*" >&2; exit 1; }

odoo_bin() {  # [subcommand] options...: the subcommand must come before -c
    local sub=()
    case "${1:-}" in shell|scaffold|populate) sub=("$1"); shift ;; esac
    "$PYTHON" "$ODOO_DIR/odoo-bin" "${sub[@]}" -c "$ODOO_CONF" "$@"
}
