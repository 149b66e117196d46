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
    tj_apt_install "libfluidsynth or a GM SoundFont" libfluidsynth3 timgm6mb-soundfont
}

# The `fluidsynth` command line (Debian's fluidsynth): the audio benchmark renders
# the exported .mid with it beside render().  Returns 1 when it is still missing
# (the benchmark then says so and measures the rest).
tj_fluidsynth_cli_install() {
    command -v fluidsynth >/dev/null 2>&1 && return 0
    tj_apt_install "the fluidsynth command line" fluidsynth
}
