"""The status bar, read from a real engine driven on a fake clock."""

from __future__ import annotations

from fractions import Fraction

import pytest

import trackjammer.core  # noqa: F401
from trackjammer.engine.clock import Clock, FakeClock
from trackjammer.engine.live import Engine
from trackjammer.lang.evaluator import Interpreter
from trackjammer.midi.output import MemoryOutput
from trackjammer.project.takes import RenderTakes
from trackjammer.repl.toolbar import bar_beat, fragments
from trackjammer.session import Session


class Rig:
    def __init__(self, program: str):
        self.fake = FakeClock()
        self.session = Session(out=lambda text: None)
        self.interpreter = Interpreter(self.session)
        self.engine = Engine(self.session, MemoryOutput("Synth"), report=_only_takes, takes=RenderTakes(),
                             clock=Clock(self.session.cps, now=self.fake.now, sleep=self.fake.sleep))
        self.session.engine = self.engine
        self.run(program)

    def run(self, program: str) -> None:
        self.interpreter.execute(program)
        self.engine.commit()

    def play_until(self, cycle: float) -> None:
        end = self.engine.clock.time_of(cycle)
        while self.fake.t < end:
            due, _ = self.engine.scheduler.step()
            self.fake.t = min(due, end)
        self.engine.scheduler.step()

    def text(self) -> str:
        return "".join(text for _, text in fragments(self.engine, self.session))

    def styles(self) -> dict[str, str]:
        return {text.strip(): style for style, text in fragments(self.engine, self.session)}


def _only_takes(text: str) -> None:
    """The engine may say where a take went (its writer may end after the
    test, when the working directory is back), nothing else."""
    if not text.startswith("recorded: "):
        pytest.fail(text)


@pytest.mark.parametrize(("cycle", "shown"), [(0.0, "1:1"), (-0.01, "1:1"), (0.26, "1:2"), (2.999, "3:4"),
                                               (3.0, "4:1")])
def test_bar_beat(cycle, shown):
    assert bar_beat(cycle, 4) == shown


def test_stopped_then_playing_with_tempo_port_and_tracks():
    rig = Rig("let bass = MidiTrack(1); bass << [C2 ~ ~ ~]; let lead = MidiTrack(2); lead << [~ ~ E4 ~]; lead.mute()")
    assert rig.text() == " ■ stopped        -  cycle        - │ 0.5 cps  120 bpm │ → Synth │  bass   lead[M] "
    rig.engine.start(thread=False)
    rig.play_until(1.3)
    assert rig.text() == " ▶ playing      2:2  cycle     1.30 │ 0.5 cps  120 bpm │ → Synth │  bass   lead[M]  │ ● REC"
    assert rig.styles()["lead[M]"] == "class:toolbar.track.muted"
    rig.engine.stop()  # the take ends: no more REC
    rig.engine.recorder.wait()  # stopped: where continue() plays on from
    assert rig.text() == " ■ stopped      2:2  cycle     1.30 │ 0.5 cps  120 bpm │ → Synth │  bass   lead[M] "


def test_a_track_is_lit_for_a_quarter_second_after_each_note_on():
    rig = Rig("let bass = MidiTrack(1); bass << [C2 ~ ~ ~]; let hat = MidiTrack(2); hat << [~ ~ E4 ~]")
    rig.engine.start(thread=False)
    rig.play_until(1.1)  # 0.2 s after the C2 of cycle 1 (0.5 cps: a cycle is 2 s)
    assert rig.engine.last_note_on(rig.session.names["bass"]) == Fraction(1)
    assert rig.styles()["bass"] == "class:toolbar.track.flash"
    assert rig.styles()["hat"] == "class:toolbar.track"
    rig.play_until(1.13)  # 0.26 s after it
    assert rig.styles()["bass"] == "class:toolbar.track"
    rig.play_until(1.55)
    assert rig.engine.last_note_on(rig.session.names["hat"]) == Fraction(3, 2)
    assert rig.styles()["hat"] == "class:toolbar.track.flash"


def test_solo_marks_and_dims_the_others():
    rig = Rig("let a = MidiTrack(1); a << [C4]; let b = MidiTrack(2); b << [D4]; b.solo()")
    assert rig.text().endswith("│  a   b[S] ")
    assert rig.styles()["a"] == "class:toolbar.track.muted"
    assert rig.styles()["b[S]"] == "class:toolbar.track"


def test_the_recording_indicator_follows_the_recorder():
    rig = Rig("")

    class Recorder:
        active = True

    rig.engine.recorder = Recorder()
    assert rig.text().endswith("│ → Synth │ ● REC")
    Recorder.active = False
    assert rig.text().endswith("│ → Synth")


def test_a_failing_status_bar_says_so_instead_of_raising():
    rig = Rig("")
    rig.session.names["x"] = None
    rig.engine.scheduler = None  # broken on purpose
    assert rig.text() == " status unavailable: 'NoneType' object has no attribute 'playing'"


def test_a_track_that_fell_back_is_marked_until_it_is_bound_again():
    said: list[str] = []
    rig = Rig("let b = MidiTrack(1); b << [C2 E2 G2]")
    rig.engine.report = rig.engine.transport.report = said.append
    rig.engine.start(thread=False)
    rig.play_until(0.5)
    rig.run('b << [<0!8 1.5>].scale("major", C2)')  # fails in cycle 8, past those tried when bound
    assert rig.text().endswith("│  b  │ ● REC")
    rig.play_until(8.5)
    assert said == ["error: track 'b' stopped: scale degrees must be whole numbers, got 1.5; "
                    "its previous pattern plays again"]
    assert rig.text().endswith("│  b[!]  │ ● REC")
    assert rig.styles()["b[!]"] == "class:toolbar.track.fallback"
    rig.run("b.mute()")
    assert rig.styles()["b[M!]"] == "class:toolbar.track.muted"
    rig.run("b.unmute(); b << [D2]")
    assert rig.text().endswith("│  b  │ ● REC")


def test_following_a_clock_shows_its_port_tempo_and_lock():
    from trackjammer.midi.input import MemoryInput

    rig = Rig("let bass = MidiTrack(1); bass << [C2]")
    clock = MemoryInput("Live:clock out")
    rig.engine.open_input = lambda port, backend, report: (clock, None)
    rig.engine.threaded = False
    rig.engine.sync("clock", "Live")
    assert rig.text() == (" ■ stopped        -  cycle        - │ 0.5 cps  120 bpm │ ⇠ clock Live:clock out ---.- bpm "
                          "no clock │ → Synth │  bass ")
    for k in range(25):  # ticks at 140 BPM
        rig.fake.t += 60 / 140 / 24
        clock.feed([0xF8], rig.fake.t)
    assert "⇠ clock Live:clock out 140.0 bpm locked │" in rig.text()
    assert rig.styles()["locked"] == "class:toolbar.sync.locked"
    rig.fake.t += 0.31  # the ticks stop coming
    assert "⇠ clock Live:clock out 140.0 bpm no clock │" in rig.text()
    rig.engine.sync("internal")
    assert "⇠" not in rig.text()


def test_playing_in_a_link_session_shows_link_its_tempo_and_peers():
    """The state as engine/link_follow.py gives it (Link itself runs only in
    a private network namespace: tests/engine/test_link_jack.py checks the
    real one's status bar)."""
    from trackjammer.engine.sync import SyncState

    rig = Rig("let bass = MidiTrack(1); bass << [C2]")
    rig.engine.sync_state = lambda: SyncState("link", None, 130 / 240, True, 2)
    assert rig.text() == (" ■ stopped        -  cycle        - │ 0.5 cps  120 bpm │ ⇠ link 130.0 bpm 2 peers │ "
                          "→ Synth │  bass ")
    assert rig.styles()["2 peers"] == "class:toolbar.sync.locked"
    rig.engine.sync_state = lambda: SyncState("link", None, 0.5, False, 0)
    assert "│ ⇠ link 120.0 bpm no peers │" in rig.text()
    assert rig.styles()["no peers"] == "class:toolbar.sync.lost"
    rig.engine.sync_state = lambda: SyncState("link", None, 0.5, True, 1)
    assert "│ ⇠ link 120.0 bpm 1 peer │" in rig.text()


def test_stopped_shows_where_continue_plays_on_and_a_gone_port_is_marked():
    rig = Rig("let bass = MidiTrack(1); bass << [C2]")
    rig.engine.start(thread=False)
    rig.play_until(1.25)
    rig.engine.stop()
    assert rig.text() == " ■ stopped      2:2  cycle     1.25 │ 0.5 cps  120 bpm │ → Synth │  bass "
    rig.engine.output.gone = True  # as the sending process reports a vanished port (engine/port_health.py)
    assert " │ → Synth ✗ gone: Synth │ " in rig.text()
    assert rig.styles()["✗ gone: Synth"] == "class:toolbar.error"
