"""The globals that write files of the project: midi_export, save, load,
snapshot, versions, meta.

Registered here, not in the language, so the language never imports the
project layer; `trackjammer/globals.py` assembles every package's globals.
"""

from __future__ import annotations

from trackjammer.lang.globals_registry import builtin
from trackjammer.session import Session


@builtin(family="output")
def midi_export(session: Session, what, cycles, path=None, stems=False, overwrite=False, loop=True,
                all=False, type=None):  # noqa: A002 - the language's names
    """Write cycles 0 … cycles-1 of a pattern, a track or #[tracks] to a MIDI
    file and return its path: midi_export(bass, 4). Without a path it goes to
    renders/<project>/<datetime>/export.mid, beside snapshot.tj and
    render.json. stems: true also writes one file per track. A file already
    at path is kept, renamed to name.1.mid (then .2 …); overwrite: true
    replaces it instead (a regular file only, its mode kept; never a link,
    a device or a pipe). loop: false lets the last notes ring past the end
    instead of cutting them there. all: true adds what seed 002's table
    leaves out: program changes and pitch bend. type: 0 merges the tracks
    into one track of a Type 0 file (channels kept); type: 1 gives even a
    pattern a track of its own."""
    from trackjammer.project.export import midi_export as export  # start-up time: exports and versions load at first use

    return export(session, what, cycles, path, stems=stems, overwrite=overwrite, loop=loop, every=all, file_type=type)


@builtin(family="project")
def save(session: Session, name=None):
    """Keep the state (tracks, names, tempo, seed) as sessions/<project>/<name>.tj
    and give its path: save("verse"). A different state saved under that
    name before is kept as a version; save() keeps a version named by the time."""
    from trackjammer.project.versions import save as save_state  # start-up time: exports and versions load at first use

    return save_state(session, name)


@builtin(family="project")
def load(session: Session, name):
    """Replace the state with a saved one, live at the next quantize
    boundary: load("verse"). The state it replaces is kept first, as a
    version, so nothing is lost; versions() lists every name load takes."""
    from trackjammer.project.versions import load as load_state  # start-up time: exports and versions load at first use

    load_state(session, name)


@builtin(family="project")
def snapshot(session: Session):
    """Write the state as a script to renders/<project>/<datetime>/snapshot.tj
    and give its path; versions() lists it, load() brings it back."""
    from trackjammer.project.versions import snapshot as write_snapshot  # start-up time: exports and versions load at first use

    return write_snapshot(session)


@builtin(family="project")
def versions(session: Session):
    """The project's saved states, oldest first: time, kind (save, version,
    before load, snapshot, export) and the name load() takes."""
    from trackjammer.project.versions import versions_table  # start-up time: exports and versions load at first use

    session.out("\n".join(versions_table(session.project)))


@builtin(family="project")
def compare(session: Session, first, second="now"):
    """Two saved states side by side (any two names versions() lists, or
    "now", the default): tracks added or gone, each binding that differs as
    its source, mutes, tempo: compare("verse", "chorus"). show(compare("verse"), 2)
    draws both piano rolls, one above the other."""
    from trackjammer.project.compare import compare as compare_states  # start-up time: exports and versions load at first use

    return compare_states(session, first, second)


@builtin(family="project")
def meta(session: Session, title=None, author=None, key=None, tempo=None, notes=None):
    """Set the project's metadata, kept in sessions/<project>/project.json and
    written into every render.json: meta(title: "Night Drive", author: "Ada").
    "" removes a key; meta() shows them."""
    from trackjammer.project.sessions import meta as project_meta  # start-up time: exports and versions load at first use

    project_meta(session, title=title, author=author, key=key, tempo=tempo, notes=notes)


@builtin(family="output")
def daw_export(session: Session, what, cycles, path=None, overwrite=False):
    """Write cycles 0 … cycles-1 of a pattern, a track or #[tracks] as a
    .dawproject (Bitwig Studio, Studio One, Cubase …) and return its path:
    daw_export(#[bass, lead], 8). The notes and CC lanes midi_export writes,
    in beats: a track each, a clip of its notes, its CCs as automation, the
    tempo, time signature and meta(...). Without a path it goes to
    renders/<project>/<datetime>/export.dawproject; a file already at path
    is kept aside as name.1.dawproject (overwrite: true replaces it)."""
    from trackjammer.project.dawproject import daw_export as export  # start-up time: exports load at first use

    return export(session, what, cycles, path, overwrite=overwrite)


@builtin(family="project")
def midi_import(session: Session, path, track=1):
    """The notes of one track of a .mid file, as a pattern.
    To play, transform and record: let riff = midi_import("clip.mid"). track: 2 (the
    second track that holds notes) or track: "bass" (by name). Ticks become
    cycles exactly at beats_per_cycle beats a cycle; it prints the pattern
    as mini-notation, which a snapshot or save() writes back."""
    from trackjammer.project.midi_import import midi_import as read_clip  # start-up time: loads at first use

    return read_clip(session, path, track)
