#!/usr/bin/env bash
# Idempotent set-up: system packages, PostgreSQL, Odoo 17's source, the Python
# environment and this checkout's addons link. Seconds when all is in place.
source "$(dirname "$0")/common.sh"

APT_PACKAGES=(build-essential python3-dev python3-venv libpq-dev libldap2-dev
              libsasl2-dev postgresql postgresql-client chromium wkhtmltopdf)
ODOO_DOWNLOAD_URL="${ODOO_DOWNLOAD_URL:-https://nightly.odoo.com/17.0/nightly/src/odoo_17.0.latest.tar.gz}"

ensure_system_packages() {
    local missing=()
    for pkg in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    [ "$(id -u)" -eq 0 ] || die "missing Debian packages (install them as root): ${missing[*]}"
    log "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_postgres() {
    if ! pg_isready -q 2>/dev/null; then
        local version
        version="$(ls /usr/lib/postgresql | sort -V | tail -1)"
        pg_lsclusters -h | grep -q . || pg_createcluster "$version" main >/dev/null
        log "starting PostgreSQL $version"
        pg_ctlcluster "$version" main start || true
        for _ in $(seq 1 30); do pg_isready -q && break; sleep 1; done
        pg_isready -q || die "PostgreSQL did not start (see pg_lsclusters)"
    fi
    local me
    me="$(id -un)"
    if ! psql -d postgres -tAc 'SELECT 1' >/dev/null 2>&1; then
        [ "$(id -u)" -eq 0 ] || die "no PostgreSQL role for '$me': run 'sudo -u postgres createuser -s $me'"
        log "creating PostgreSQL role '$me'"
        su postgres -c "createuser -s '$me'"
    fi
}

is_odoo_17() {
    [ -f "$1/odoo/release.py" ] && [ -f "$1/odoo-bin" ] \
        && grep -qE '^version_info = \(17, 0,' "$1/odoo/release.py"
}

describe_odoo_src() {
    if [ -d "$ODOO_SRC" ] && git --git-dir="$ODOO_SRC" rev-parse -q --verify HEAD >/dev/null 2>&1; then
        echo "git:$(git --git-dir="$ODOO_SRC" rev-parse HEAD)"
    elif [ -d "$ODOO_SRC/.git" ]; then
        echo "git:$(git -C "$ODOO_SRC" rev-parse HEAD)"
    else
        echo "path:$(realpath "$ODOO_SRC")"
    fi
}

unpack_odoo_into() {  # $1: an empty folder that receives the source tree
    local target="$1"
    if [ -n "${ODOO_SRC:-}" ]; then
        [ -e "$ODOO_SRC" ] || die "ODOO_SRC=$ODOO_SRC does not exist"
        if [ -d "$ODOO_SRC" ] && git --git-dir="$ODOO_SRC" rev-parse -q --verify HEAD >/dev/null 2>&1; then
            git --git-dir="$ODOO_SRC" archive HEAD | tar -x -C "$target"
        elif [ -d "$ODOO_SRC/.git" ]; then
            git -C "$ODOO_SRC" archive HEAD | tar -x -C "$target"
        elif [ -d "$ODOO_SRC" ]; then
            cp -a "$ODOO_SRC/." "$target/"
        else
            tar -xf "$ODOO_SRC" -C "$target"
        fi
    else
        log "ODOO_SRC is not set: downloading Odoo 17.0 from $ODOO_DOWNLOAD_URL"
        curl -fsSL --max-time 900 "$ODOO_DOWNLOAD_URL" | tar -xz -C "$target" \
            || die "could not download Odoo 17.0; set ODOO_SRC to an Odoo 17.0 source tree, tarball or git directory and run again"
    fi
    # A tarball usually wraps the tree in one folder: lift it.
    if ! [ -f "$target/odoo-bin" ]; then
        local inner
        inner="$(dirname "$(find "$target" -maxdepth 3 -name odoo-bin -print -quit)")"
        [ "$inner" != "." ] && [ -n "$inner" ] || die "no odoo-bin in the Odoo source given"
        mv "$inner" "$target.inner" && rm -rf "$target" && mv "$target.inner" "$target"
    fi
}

ensure_odoo_source() {
    local wanted=""
    [ -n "${ODOO_SRC:-}" ] && wanted="$(describe_odoo_src)"
    if is_odoo_17 "$ODOO_DIR" && [ -f "$ODOO_DIR/.tech_assessment_source" ]; then
        if [ -z "$wanted" ] || [ "$wanted" = "$(cat "$ODOO_DIR/.tech_assessment_source")" ]; then
            return 0
        fi
        log "ODOO_SRC changed: replacing $ODOO_DIR"
    fi
    mkdir -p "$DATA_DIR"
    local tmp="$DATA_DIR/odoo-17.0.partial"
    rm -rf "$tmp" && mkdir -p "$tmp"
    unpack_odoo_into "$tmp"
    is_odoo_17 "$tmp" || die "the Odoo source given is not Odoo 17.0 (odoo/release.py); set ODOO_SRC to an Odoo 17.0 source tree, tarball or git directory"
    echo "${wanted:-url:$ODOO_DOWNLOAD_URL}" > "$tmp/.tech_assessment_source"
    rm -rf "$ODOO_DIR" && mv "$tmp" "$ODOO_DIR"
    log "Odoo 17.0 source ready in $ODOO_DIR"
}

pick_python() {
    for candidate in "${PYTHON_BIN:-}" python3.11 python3.12 python3.10 python3; do
        [ -n "$candidate" ] && command -v "$candidate" >/dev/null || continue
        "$candidate" -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] <= (3, 12))' \
            && { echo "$candidate"; return; }
    done
    die "Odoo 17 needs Python 3.10 to 3.12; set PYTHON_BIN"
}

ensure_venv() {
    local stamp
    stamp="$(cat "$ODOO_DIR/requirements.txt" "$PROJECT_DIR/requirements.txt" \
                 "$PROJECT_DIR/requirements-dev.txt" | sha1sum | cut -c1-16)"
    if [ -x "$PYTHON" ] && [ "$(cat "$VENV_DIR/.stamp" 2>/dev/null)" = "$stamp" ]; then
        return 0
    fi
    log "building the Python environment in $VENV_DIR (a few minutes the first time)"
    [ -x "$PYTHON" ] || "$(pick_python)" -m venv "$VENV_DIR"
    "$PYTHON" -m pip install -q --upgrade pip "setuptools<81" wheel
    "$PYTHON" -m pip install -q -r "$ODOO_DIR/requirements.txt" \
        -r "$PROJECT_DIR/requirements.txt" -r "$PROJECT_DIR/requirements-dev.txt" "setuptools<81"
    echo "$stamp" > "$VENV_DIR/.stamp"
}

ensure_axe() {
    [ -f "$AXE_JS" ] && return 0
    command -v npm >/dev/null \
        || die "npm is missing (Debian: apt-get install nodejs npm): the browser tests run axe-core"
    log "installing axe-core $AXE_VERSION into $AXE_DIR"
    rm -rf "$AXE_DIR" && mkdir -p "$AXE_DIR"
    echo '{"private": true, "description": "tech_assessment browser test tools"}' > "$AXE_DIR/package.json"
    npm install --prefix "$AXE_DIR" --save-exact --no-audit --no-fund --loglevel=error \
        "axe-core@$AXE_VERSION" >/dev/null
    [ -f "$AXE_JS" ] || die "axe-core did not install into $AXE_DIR"
}

ensure_addons_link() {
    mkdir -p "$ADDONS_LINK_DIR" "$ODOO_DATA_DIR"
    ln -sfn "$PROJECT_DIR" "$ADDONS_LINK_DIR/$MODULE_NAME"
    # The bridges (bridges/<module>/, e.g. the Recruitment one) beside it, each under its name.
    local bridge
    for bridge in "${BRIDGE_MODULES[@]}"; do
        ln -sfn "$PROJECT_DIR/bridges/$bridge" "$ADDONS_LINK_DIR/$bridge"
    done
    local addons="$ODOO_DIR/odoo/addons"
    [ -d "$ODOO_DIR/addons" ] && addons="$ODOO_DIR/addons,$addons"
    cat > "$ODOO_CONF" <<CONF
[options]
addons_path = $addons,$ADDONS_LINK_DIR
data_dir = $ODOO_DATA_DIR
http_interface = 127.0.0.1
http_port = $HTTP_PORT
list_db = False
max_cron_threads = 1
CONF
}

ensure_system_packages
ensure_postgres
ensure_odoo_source
ensure_venv
ensure_axe
ensure_addons_link
log "set-up ready (Odoo: $ODOO_DIR, Python: $VENV_DIR)"
