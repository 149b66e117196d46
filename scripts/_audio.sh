# shellcheck shell=bash
# What the FluidSynth route of render() needs from the system: libfluidsynth
# (which pyfluidsynth loads) and a General MIDI SoundFont.  Source it after
# _bootstrap.sh (it uses tj_log), then:
#
#     tj_audio_install     # install them when missing (root + apt-get), else say why not
#     tj_fluidsynth_cli_install   # the fluidsynth command line, which `scripts/bench audio` races
#
# The packages are Debian's libfluidsynth3 and timgm6mb-soundfont (a small GM
# SoundFont, /usr/share/sounds/sf2/TimGM6mb.sf2).  Without them the FluidSynth
# tests are skipped with that reason; the built-in synthesizer needs neither.

_tj_audio_have_library() {
    { ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } | grep -q 'libfluidsynth\.so'
}

_tj_audio_have_soundfont() {
    compgen -G '/usr/share/sounds/sf2/*.sf[23]' >/dev/null ||
        compgen -G '/usr/share/soundfonts/*.sf[23]' >/dev/null
}

# Returns 1 when libfluidsynth or a SoundFont is still missing afterwards.
tj_audio_install() {
    _tj_audio_have_library && _tj_audio_have_soundfont && return 0
    if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        tj_log "libfluidsynth or a GM SoundFont is missing: installing libfluidsynth3 and timgm6mb-soundfont"
        local apt_log
        apt_log="$(mktemp)"
        if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive \
                apt-get install -y -q --no-install-recommends libfluidsynth3 timgm6mb-soundfont; } >"$apt_log" 2>&1; then
            cat "$apt_log" >&2
            rm -f -- "$apt_log"
            tj_log "could not install libfluidsynth3 and timgm6mb-soundfont"
            return 1
        fi
        rm -f -- "$apt_log"
        return 0
    fi
    tj_log "libfluidsynth or a GM SoundFont is missing and cannot be installed here (needs root and apt-get)"
    return 1
}

# The `fluidsynth` command line (Debian's fluidsynth): the audio benchmark renders
# the exported .mid with it beside render().  Returns 1 when it is still missing
# (the benchmark then says so and measures the rest).
tj_fluidsynth_cli_install() {
    command -v fluidsynth >/dev/null 2>&1 && return 0
    if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        tj_log "the fluidsynth command line is missing: installing fluidsynth"
        local apt_log
        apt_log="$(mktemp)"
        if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive \
                apt-get install -y -q --no-install-recommends fluidsynth; } >"$apt_log" 2>&1; then
            cat "$apt_log" >&2
            rm -f -- "$apt_log"
            tj_log "could not install fluidsynth"
            return 1
        fi
        rm -f -- "$apt_log"
        return 0
    fi
    tj_log "the fluidsynth command line is missing and cannot be installed here (needs root and apt-get)"
    return 1
}
