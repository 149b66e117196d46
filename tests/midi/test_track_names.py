"""Track names beyond ASCII: Latin-1 when every character fits (what mido,
pretty_midi, miditoolkit and most DAWs read text events as), else UTF-8
(Logic, Reaper and symusic read it; no single-byte charset could keep it).
Read back by two readers that know nothing of ours: mido and symusic."""

from __future__ import annotations

import mido
import symusic

import trackjammer.core  # noqa: F401
from trackjammer.lang.evaluator import Interpreter
from trackjammer.session import Session

SONG = ('let a = MidiTrack(1, name: "Bässe für Élodie"); a << [C2];'
        ' let b = MidiTrack(2, name: "ベース"); b << [C3];'
        ' let c = MidiTrack(3, name: "lead"); c << [C5];'
        ' midi_export(#[a, b, c], 1, "{path}")')


def names_in_bytes(path) -> list[bytes]:
    data = path.read_bytes()
    found, at = [], data.find(b"\xff\x03")
    while at != -1:
        length = data[at + 2]
        found.append(data[at + 3:at + 3 + length])
        at = data.find(b"\xff\x03", at + 3 + length)
    return found


def test_a_latin_1_name_reads_right_in_mido_and_a_wider_one_in_symusic(tmp_path):
    path = tmp_path / "names.mid"
    Interpreter(Session(out=lambda text: None)).execute(SONG.replace("{path}", str(path)))
    assert names_in_bytes(path) == [b"B\xe4sse f\xfcr \xc9lodie", "ベース".encode("utf-8"), b"lead"]
    by_mido = [track.name for track in mido.MidiFile(path).tracks]  # mido's default charset: Latin-1
    assert by_mido[1] == "Bässe für Élodie" and by_mido[3] == "lead"
    by_symusic = [track.name for track in symusic.Score(str(path)).tracks]  # symusic: UTF-8
    assert by_symusic[1:] == ["ベース", "lead"]
