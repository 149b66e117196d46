# shellcheck shell=bash
# The pinned Strudel packages for the differential test (tests/strudel):
# `npm ci` from tests/strudel/package-lock.json into tests/strudel/node_modules,
# with npm's cache in tests/strudel/.npm-cache (both gitignored; nothing outside
# the checkout). Skipped when already installed from this lock file. Returns 1,
# with a message, when node or npm is missing or the install fails: the test
# then skips and says why.

tj_strudel_install() {
    local dir="$TJ_ROOT/tests/strudel"
    local stamp="$dir/node_modules/.trackjammer-stamp"
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        tj_log "node/npm not found: the comparison with Strudel will be skipped (apt-get install nodejs npm)"
        return 1
    fi
    local want
    want="$(sha256sum "$dir/package-lock.json")" || return 1
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
        return 0
    fi
    tj_log "installing the pinned Strudel packages into tests/strudel/node_modules (npm ci)"
    if ! (cd "$dir" && npm_config_cache="$dir/.npm-cache" timeout 300 \
            npm ci --no-audit --no-fund --loglevel=error --fetch-retries=1 --fetch-timeout=30000 >&2); then
        tj_log "npm ci failed: the comparison with Strudel will be skipped"
        return 1
    fi
    printf '%s\n' "$want" > "$stamp"
}
