#!/usr/bin/env bash
# `make lint`: the hooks of .pre-commit-config.yaml on every file of the checkout, then the check
# that i18n/tech_assessment.pot is current (scripts/i18n.sh check; SKIP_POT=1 skips it).
#   scripts/lint.sh                   the above
#   scripts/lint.sh format            the automatic fixes (`make format`): oca-checks-odoo-module
#                                     --fix, then prettier --write on the JS and XML files
#   scripts/lint.sh tool NAME ARGS..  one tool, as the hooks call it (they are all local hooks)
# The tools live outside the checkout, under the data directory, shared by every clone:
#   lint-venv/                 ruff, pylint + pylint-odoo, pre-commit, oca-odoo-pre-commit-hooks,
#                              pre-commit-hooks (pinned below; reinstalled when the pins change)
#   lint-node/<pins' hash>/    prettier + @prettier/plugin-xml, eslint + @eslint/js + globals
# Seconds when they are in place. pre-commit lints the files git knows: `git add` a new file
# before `make lint`.
source "$(dirname "$0")/common.sh"

LINT_VENV="$DATA_DIR/lint-venv"
PY_TOOLS=(ruff==0.17.6 pylint-odoo==10.0.12 pre-commit==4.7.0 oca-odoo-pre-commit-hooks==0.2.27
          pre-commit-hooks==6.0.0)
NODE_TOOLS=(prettier@3.10.1 @prettier/plugin-xml@3.4.2 eslint@9.39.5 @eslint/js@9.39.5 globals@17.14.0)
LINT_NODE="$DATA_DIR/lint-node/$(printf '%s\n' "${NODE_TOOLS[@]}" | sha1sum | cut -c1-10)"

ensure_tools() {
    local py_stamp="${PY_TOOLS[*]}"
    if [ "$(cat "$LINT_VENV/.tech_assessment_tools" 2>/dev/null)" = "$py_stamp" ] \
            && [ -f "$LINT_NODE/.ready" ]; then
        return 0
    fi
    mkdir -p "$DATA_DIR"
    exec 8>"$DATA_DIR/lint.lock"
    flock 8  # another checkout may be installing the same tools
    if [ "$(cat "$LINT_VENV/.tech_assessment_tools" 2>/dev/null)" != "$py_stamp" ]; then
        log "installing the Python lint tools into $LINT_VENV"
        [ -x "$LINT_VENV/bin/python" ] || python3 -m venv "$LINT_VENV"
        "$LINT_VENV/bin/pip" install -q --disable-pip-version-check "${PY_TOOLS[@]}"
        echo "$py_stamp" > "$LINT_VENV/.tech_assessment_tools"
    fi
    if [ ! -f "$LINT_NODE/.ready" ]; then
        command -v npm >/dev/null || die "npm is missing (Debian: apt-get install nodejs npm; Node.js >= 18)"
        log "installing the JavaScript lint tools into $LINT_NODE"
        rm -rf "$LINT_NODE" && mkdir -p "$LINT_NODE"
        echo '{"private": true, "description": "tech_assessment lint tools"}' > "$LINT_NODE/package.json"
        npm install --prefix "$LINT_NODE" --save-exact --no-audit --no-fund --loglevel=error \
            "${NODE_TOOLS[@]}" >/dev/null
        touch "$LINT_NODE/.ready"
    fi
    exec 8>&-
}

# A copy of the working tree (the files git tracks or would track) in a temporary folder, under
# the module's own name and outside any git repository: pylint-odoo and oca-checks-odoo-module
# take the module's name from its folder, and the latter only looks for a manifest below the
# repository's top, which excludes a repository that is itself the addon.
# The bridges (bridges/<name>/) are modules of their own: each is copied beside it, under its
# name, and left out of the main module's copy.
module_copy() {
    MODULE_COPY_DIR="$(mktemp -d)"
    trap 'rm -rf "$MODULE_COPY_DIR"' EXIT
    mkdir "$MODULE_COPY_DIR/$MODULE_NAME"
    (cd "$PROJECT_DIR" && git ls-files -z --cached --others --exclude-standard \
        | { grep -zv '^bridges/' || true; } \
        | tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -x -C "$MODULE_COPY_DIR/$MODULE_NAME"
    local bridge
    for bridge in "${BRIDGE_MODULES[@]}"; do
        mkdir "$MODULE_COPY_DIR/$bridge"
        (cd "$PROJECT_DIR/bridges/$bridge" && git ls-files -z --cached --others --exclude-standard \
            | tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -x -C "$MODULE_COPY_DIR/$bridge"
    done
}

# The path in the checkout of a file of the copy (relative to the copy's folder).
checkout_path_sed() {
    local bridge
    for bridge in "${BRIDGE_MODULES[@]}"; do
        printf '%s\n' "s|/\{0,1\}${MODULE_COPY_DIR#/}/$bridge/|bridges/$bridge/|g" "s|^$bridge/|bridges/$bridge/|"
    done
    printf '%s\n' "s|/\{0,1\}${MODULE_COPY_DIR#/}/$MODULE_NAME/||g" "s|^$MODULE_NAME/||"
}

# Run a command on the copy and print its paths relative to the checkout.
on_module_copy() {
    local rc=0
    module_copy
    (cd "$MODULE_COPY_DIR" && "$@") >"$MODULE_COPY_DIR/out" 2>&1 || rc=$?
    sed -f <(checkout_path_sed) "$MODULE_COPY_DIR/out"
    return "$rc"
}

run_tool() {
    local name="$1"
    shift
    case "$name" in
        pylint-odoo)  # the whole module at once: its checks look across files
            on_module_copy "$LINT_VENV/bin/pylint" --rcfile="$PROJECT_DIR/.pylintrc" "$@" \
                "$MODULE_NAME" "${BRIDGE_MODULES[@]}" ;;
        oca-checks-odoo-module)
            on_module_copy "$LINT_VENV/bin/oca-checks-odoo-module" "$@" "$MODULE_NAME" \
                "${BRIDGE_MODULES[@]}" ;;
        prettier)  # the XML plugin by path: Node cannot resolve it from the checkout
            exec "$LINT_NODE/node_modules/.bin/prettier" \
                --plugin="$LINT_NODE/node_modules/@prettier/plugin-xml/src/plugin.js" "$@" ;;
        eslint)  # eslint.config.cjs requires @eslint/js and globals through NODE_PATH
            NODE_PATH="$LINT_NODE/node_modules" exec "$LINT_NODE/node_modules/.bin/eslint" "$@" ;;
        *)  # ruff, pre-commit, oca-checks-po, the pre-commit-hooks checks...
            [ -x "$LINT_VENV/bin/$name" ] || die "unknown lint tool: $name"
            exec "$LINT_VENV/bin/$name" "$@" ;;
    esac
}

ensure_tools
cd "$PROJECT_DIR"
case "${1:-all}" in
    tool)
        shift
        run_tool "$@" ;;
    format)
        # 1. oca-checks-odoo-module's own fixes (XML header, eval= on numeric and boolean
        #    fields, attribute order...), made on the copy, then brought back file by file
        module_copy
        (cd "$MODULE_COPY_DIR" && "$LINT_VENV/bin/oca-checks-odoo-module" --fix --no-verbose \
            --disable=prefer-readme-rst "$MODULE_NAME" "${BRIDGE_MODULES[@]}") >/dev/null 2>&1 || true
        while IFS= read -r -d '' file; do
            case "$file" in
                bridges/*) fixed="$MODULE_COPY_DIR/${file#bridges/}" ;;
                *) fixed="$MODULE_COPY_DIR/$MODULE_NAME/$file" ;;
            esac
            if [ -f "$file" ] && [ -f "$fixed" ] && ! cmp -s "$file" "$fixed"; then
                cat "$fixed" >"$file"
                log "fixed by oca-checks-odoo-module: $file"
            fi
        done < <(git ls-files -z --cached --others --exclude-standard)
        # 2. prettier on every JS and XML file
        git ls-files -z --cached --others --exclude-standard -- '*.js' '*.xml' \
            | xargs -0 -r bash "$PROJECT_DIR/scripts/lint.sh" tool prettier --write --log-level=warn
        log "formatted: see git diff, then run make lint" ;;
    all)
        export PRE_COMMIT_HOME="$DATA_DIR/pre-commit-cache"
        failed=()
        "$LINT_VENV/bin/pre-commit" run --all-files || failed+=("the pre-commit hooks")
        if [ "${SKIP_POT:-0}" != 1 ]; then
            bash "$PROJECT_DIR/scripts/i18n.sh" check || failed+=("the .pot check")
        fi
        if [ ${#failed[@]} -gt 0 ]; then
            what="$(printf '%s, ' "${failed[@]}")"
            die "lint failed: ${what%, } (see above)"
        fi
        log "lint clean" ;;
    *) die "usage: scripts/lint.sh [format | tool NAME ARGS...]" ;;
esac
