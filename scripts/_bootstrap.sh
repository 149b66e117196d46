# shellcheck shell=bash
# Shared bootstrap for scripts/trackjammer and scripts/test.  Source it, then call
#
#     tj_bootstrap            # runtime dependencies only
#     tj_bootstrap audio      # runtime + the [audio] extra (what scripts/trackjammer uses)
#     tj_bootstrap test       # runtime + the [test] extra (which holds the audio and link ones)
#
# It creates .venv at the repo root on first use and installs the project into it
# in editable mode.  A stamp per extra (sha256 of pyproject.toml) is kept inside
# .venv, so a run where nothing changed makes no pip call at all.
#
# After sourcing, TJ_ROOT is the repo root and TJ_VENV its .venv, whatever the
# caller's working directory was.

TJ_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
TJ_VENV="$TJ_ROOT/.venv"

tj_log() {
    printf 'trackjammer: %s\n' "$*" >&2
}

# Install Debian packages WHY needs, quietly (apt-get's log is shown only when it
# fails); only as root where apt-get is.  Returns 1 when they are not installed.
#     tj_apt_install WHY PACKAGE...
tj_apt_install() {
    local why="$1"
    shift
    if [[ $EUID -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
        tj_log "$why is missing and cannot be installed here (needs root and apt-get)"
        return 1
    fi
    tj_log "$why is missing: installing $*"
    local apt_log
    apt_log="$(mktemp)"
    if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -q --no-install-recommends "$@"; } >"$apt_log" 2>&1; then
        cat "$apt_log" >&2
        rm -f -- "$apt_log"
        tj_log "could not install $*"
        return 1
    fi
    rm -f -- "$apt_log"
}

# Path of the stamp file recording a finished install with the given extra.
_tj_stamp_file() {
    printf '%s/.trackjammer-stamp-%s' "$TJ_VENV" "${1:-runtime}"
}

# Expected stamp content: hash of pyproject.toml plus the extra it was made for.
_tj_stamp_value() {
    local hash
    hash="$(sha256sum "$TJ_ROOT/pyproject.toml")" || return 1
    printf '%s extra=%s\n' "${hash%% *}" "${1:-runtime}"
}

_tj_stamp_ok() {
    local file
    file="$(_tj_stamp_file "$1")"
    [[ -f "$file" ]] && [[ "$(cat "$file")" == "$(_tj_stamp_value "$1")" ]]
}

tj_bootstrap() {
    local extra="${1:-}"
    local python="${TJ_PYTHON:-python3}"

    # A .venv without a working interpreter (interrupted creation, Python moved
    # or upgraded) is rebuilt from scratch.
    if [[ -d "$TJ_VENV" && ! -x "$TJ_VENV/bin/python" ]]; then
        tj_log "rebuilding broken virtualenv $TJ_VENV"
        rm -rf -- "$TJ_VENV"
    fi
    if [[ ! -d "$TJ_VENV" ]]; then
        tj_log "creating virtualenv $TJ_VENV"
        "$python" -m venv "$TJ_VENV" || { tj_log "could not create $TJ_VENV with $python"; return 1; }
    fi

    # Nothing changed since the last install: no pip call.  The test extra is a
    # superset of the runtime dependencies and of the audio extra, so it
    # satisfies a request for either too.
    if _tj_stamp_ok "$extra"; then
        return 0
    fi
    if [[ -z "$extra" || "$extra" == audio ]] && _tj_stamp_ok test; then
        return 0
    fi

    local spec="$TJ_ROOT"
    [[ -n "$extra" ]] && spec="${TJ_ROOT}[${extra}]"
    tj_log "installing trackjammer${extra:+[$extra]} (editable) into .venv"
    rm -f -- "$(_tj_stamp_file "$extra")"
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$TJ_VENV/bin/python" -m pip install -q -e "$spec" \
        || { tj_log "pip install failed"; return 1; }

    # The python-rtmidi wheels on PyPI are built with the JACK API (and ship their
    # own libjack).  A build without it (e.g. from an sdist on an exotic
    # platform) can still run on ALSA, so only warn here; the JACK tests fail.
    if ! "$TJ_VENV/bin/python" -c \
        'import rtmidi, sys; sys.exit(rtmidi.API_UNIX_JACK not in rtmidi.get_compiled_api())'; then
        tj_log "warning: this python-rtmidi has no JACK API; rebuild it against libjack:"
        tj_log "  apt-get install libjack-jackd2-dev libasound2-dev pkg-config g++ &&"
        tj_log "  $TJ_VENV/bin/pip install --force-reinstall --no-binary python-rtmidi 'python-rtmidi>=1.5,<2'"
    fi

    _tj_stamp_value "$extra" >"$(_tj_stamp_file "$extra")"
}
