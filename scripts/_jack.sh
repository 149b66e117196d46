# shellcheck shell=bash
# A private JACK server (dummy driver, no realtime) for scripts that need a real
# MIDI transport.  Source it after _bootstrap.sh (it uses tj_log), then:
#
#     tj_jack_install          # install jackd2 when missing (root + apt-get), else warn
#     trap tj_jack_cleanup EXIT
#     tj_jack_start bench      # jackd -n trackjammer-bench-PID-RANDOM --no-realtime -d dummy -r 48000 -p 64
#                              # (its log: each line stamped with CLOCK_MONOTONIC in ns)
#
# It works as scripts/test does: a unique server name, so a JACK server the user
# runs is never touched; clients find it through JACK_DEFAULT_SERVER and never
# start a server of their own.  After tj_jack_start, JACK_DEFAULT_SERVER,
# TRACKJAMMER_JACK=1 and TRACKJAMMER_JACK_LOG (the server's log, where it reports
# xruns) are exported.  tj_jack_cleanup stops the server (SIGTERM, then SIGKILL
# after 5 s, removing what a killed server leaves in /dev/shm) and removes its log.
#
# scripts/test and scripts/bench both use it.

tj_jack_pid=""
tj_jack_name=""
tj_jack_tmp=""

# JACK keeps a table of at most 8 servers in /dev/shm (jack-shm-registry).  A
# server that was killed keeps its row until a server of the same name starts
# again, and each private server here has a new name, so on a machine where runs
# were killed the table fills and jackd says "Too many servers already active".
# As root where unshare works, re-run the calling script with a /dev/shm and
# System V IPC of its own (mount and IPC namespaces): nothing other servers left
# is seen there, and nothing ours leaves outlives the run.  Elsewhere it returns
# and the script runs as it is.  Call it first:  tj_jack_private_shm "$0" "$@"
tj_jack_private_shm() {
    [[ -z "${TJ_PRIVATE_SHM:-}" && $EUID -eq 0 ]] || return 0
    command -v unshare >/dev/null 2>&1 && unshare --mount --ipc true 2>/dev/null || return 0
    export TJ_PRIVATE_SHM=1
    # shellcheck disable=SC2016  # expanded by the inner shell
    exec unshare --mount --ipc --propagation private -- bash -c '
        mount -t tmpfs -o mode=1777 tmpfs /dev/shm \
            || printf "trackjammer: could not give this run a /dev/shm of its own\n" >&2
        exec "$@"' tj-private-shm "$@"
}

# Install jackd2 when jackd is missing and we are root on Debian; otherwise say
# why not.  Returns 1 when jackd is not there afterwards.
tj_jack_install() {
    command -v jackd >/dev/null 2>&1 && return 0
    tj_apt_install "jackd" jackd2
}

# shellcheck disable=SC2317  # runs from a trap
tj_jack_stop() {
    [[ -n "$tj_jack_pid" ]] || return 0
    kill -TERM "$tj_jack_pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 50; i++)); do
        kill -0 "$tj_jack_pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$tj_jack_pid" 2>/dev/null; then
        tj_log "jackd did not stop on SIGTERM: killing it"
        kill -KILL "$tj_jack_pid" 2>/dev/null || true
        wait "$tj_jack_pid" 2>/dev/null || true
        # A killed server leaves its sockets and semaphores behind.
        rm -f -- /dev/shm/jack_"$tj_jack_name"_* /dev/shm/jack_sem.*_"$tj_jack_name"_* 2>/dev/null || true
    else
        wait "$tj_jack_pid" 2>/dev/null || true
    fi
    tj_jack_pid=""
}

# One line on how the server fared (CI's log shows it beside the tests' results):
# xruns logged, of which clients late, and the driver's own timer late.
tj_jack_summary() {
    local log="${TRACKJAMMER_JACK_LOG:-}"
    [[ -n "$log" && -f "$log" ]] || return 0
    tj_log "the private JACK server logged $(grep -c XRun "$log") xruns:" \
        "$(grep -c 'was not finished' "$log") with a client late," \
        "$(grep -c 'JackTimedDriver::Process XRun' "$log") with its own timer late"
}

# shellcheck disable=SC2317  # runs from a trap
tj_jack_cleanup() {
    tj_jack_stop
    [[ -n "$tj_jack_tmp" ]] && rm -rf -- "$tj_jack_tmp"
    tj_jack_tmp=""
}

# Start the server as trackjammer-PURPOSE-PID-RANDOM and wait (~10 s) until it
# takes clients.  Returns 1, with the end of its log, when it does not come up.
tj_jack_start() {
    local purpose="${1:-bench}"
    # Only for this process tree: never let a JACK client start a default server,
    # and do not ask D-Bus for the audio device (the dummy driver needs none).
    export JACK_NO_START_SERVER=1
    export JACK_NO_AUDIO_RESERVATION=1
    unset TRACKJAMMER_JACK

    tj_jack_tmp="$(mktemp -d "${TMPDIR:-/tmp}/trackjammer-$purpose.XXXXXX")"
    tj_jack_name="trackjammer-$purpose-$$-$RANDOM"
    local log="$tj_jack_tmp/jackd.log"
    # Each line of its log is stamped with the monotonic clock (when did an xrun
    # happen?); stdbuf: jackd's stdout would wait in a buffer otherwise.
    stdbuf -oL -eL jackd -n "$tj_jack_name" --no-realtime -d dummy -r 48000 -p 64 </dev/null \
        > >("$TJ_VENV/bin/python" -u "$TJ_ROOT/scripts/_stamp_lines.py" >"$log") 2>&1 &
    tj_jack_pid=$!

    local i up=""
    for ((i = 0; i < 100; i++)); do # ~10 s
        if ! kill -0 "$tj_jack_pid" 2>/dev/null; then
            break
        fi
        if jack_lsp -s "$tj_jack_name" >/dev/null 2>&1; then
            up=1
            break
        fi
        sleep 0.1
    done
    if [[ -z "$up" ]]; then
        tj_log "the private JACK server '$tj_jack_name' did not come up; last lines of its log:"
        tail -n 30 "$log" >&2 || true
        if grep -q "Too many servers" "$log" 2>/dev/null; then
            tj_log "hint: JACK's table of servers in /dev/shm is full of servers that were killed;" \
                "run this as root (it then gets a /dev/shm of its own), or remove" \
                "/dev/shm/jack-shm-registry while no JACK server runs"
        fi
        return 1
    fi
    export JACK_DEFAULT_SERVER="$tj_jack_name"
    export TRACKJAMMER_JACK=1
    export TRACKJAMMER_JACK_LOG="$log" # the xruns the server reports
    tj_log "private JACK server '$tj_jack_name' is up (pid $tj_jack_pid)"
}
