"""Handing over far ahead and taking it back: a change lands as soon as with
a short lookahead, and what plays is still exactly the export.

On a fake clock, the scheduler set as the engine sets it with a sending
process and no MIDI input (engine/live.py: FAR_LOOKAHEAD, CHUNK); what was
asked for and not sent yet waits in its queue, which a retract cuts. The
sending process's own part (dropping what it holds) is tested on JACK in
test_live_jack.py.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction as F

import pytest

from trackjammer.engine.live import CHUNK, FAR_LOOKAHEAD, FAR_MARGIN, SENDER_LOOKAHEAD, SENDER_MARGIN
from trackjammer.midi.messages import MessageStream, plan_of_track

from tests.engine.test_scheduler import Rig, assert_sent_as_exported, expected


def far(rig: Rig, lookahead: float = FAR_LOOKAHEAD, margin: float = FAR_MARGIN) -> Rig:
    scheduler = rig.engine.scheduler
    scheduler.lookahead, scheduler.margin, scheduler.chunk = lookahead, margin, CHUNK
    scheduler.start_ahead = SENDER_MARGIN
    return rig


def note_ons(rig: Rig) -> list[tuple[float, int]]:
    t0 = rig.at(0)
    return [(round((t - t0) * float(rig.session.cps), 9), data[1]) for t, data in rig.output.sent if data[0] & 0xF0 == 0x90]


def test_a_change_with_quantize_zero_lands_a_short_way_ahead_not_where_the_far_asks_reached():
    rig = far(Rig("let a = MidiTrack(1); a << [C4*8]; quantize(0)"))
    rig.start()
    rig.play_until(F(1, 3))
    assert rig.engine.scheduler.horizon > F(1, 3) + F(3, 40)  # asked for further than 150 ms ahead
    rig.run("a << [D4*8]")
    landed = rig.engine.scheduler.horizon  # taken back to here: the change plays from it
    # SENDER_MARGIN (50 ms = 1/40 cycle) ahead, on the next point of the grid: the window
    # handed over there is cut, not waited for (it was 100 ms later at most)
    assert landed == F(math.ceil((F(1, 3) + F(1, 40)) * 960), 960) == F(344, 960)
    rig.play_until(2)
    assert note_ons(rig) == [(k / 8, 60 if F(k, 8) < landed else 62) for k in range(17)]


def test_mute_acts_within_a_chunk_and_the_notes_sounding_still_end():
    rig = far(Rig("let a = MidiTrack(1); a << [C4 E4 G4 B4]; a.gate(3)"))
    rig.start()
    rig.play_until(F(3, 10))  # C4 and E4 have started, and sound on past the window taken back
    rig.run("a.mute()")
    rig.play_until(4)
    assert [data for _, data in rig.output.sent] == [(0x90, 60, 100), (0x90, 64, 100), (0x80, 60, 0), (0x80, 64, 0)]
    assert rig.output.held == set()


@pytest.mark.parametrize("moments", [
    [F(1, 10), F(3, 10), F(7, 10), F(1), F(13, 10), F(2)],
    [F(k, 37) for k in range(1, 140, 3)],  # many, off any grid the windows keep
])
def test_taking_back_at_any_moment_plays_exactly_the_export(moments):
    """Each input takes back what was handed over (here nothing changes), so
    the state kept where each window begins must be exactly the one the
    windows after it were made from: held notes, CC values sent, programs."""
    program = ("let a = MidiTrack(1); a << [C4 [E4 G4]](3,8); a.gate(3); a.cc(74) << Sine(1); a.vel << [60 100 80];"
               "a.program(4); let b = MidiTrack(2, 90); b << [C2 ~ C2@2].gate(1/2); b.bend << Saw(1/2)")
    rig = far(Rig(program))
    t0 = rig.start(until=4)
    for moment in moments:
        rig.play_until(moment)
        rig.run("")
    rig.play_until(4)
    assert_sent_as_exported(rig, t0, 4)


def test_an_mpe_track_taken_back_keeps_its_channels_as_the_export_does():
    program = "let m = MpeTrack(members: 3, bend_range: 48); m << [[C4,E4] G4 A4 B4].gate(2); m.note_bend << [12 0 -12 24]"
    rig = far(Rig(program))
    rig.start(until=3)
    for moment in (F(1, 10), F(6, 10), F(11, 10), F(17, 10)):
        rig.play_until(moment)
        rig.run("")
    rig.play_until(3)
    assert [data for _, data in rig.output.sent] == [tuple(m.bytes()) for m in expected(rig.session, 3)]


def test_once_lands_on_the_next_boundary_even_when_the_asks_reached_past_it():
    rig = far(Rig("let a = MidiTrack(1); a << [C4*4]"))
    rig.session.engine = rig.engine  # once() asks the engine playing
    rig.start()
    rig.play_until(F(9, 10))  # the asks reach past cycle 1
    assert rig.engine.scheduler.horizon > 1
    rig.run("once(a, [D4*2])")
    rig.play_until(3)
    assert note_ons(rig) == [(k / 4, 60) for k in range(4)] + [(1, 62), (1.5, 62)] + [(k / 4, 60) for k in range(8, 13)]


@pytest.mark.parametrize("lookahead, margin", [(FAR_LOOKAHEAD, FAR_MARGIN), (SENDER_LOOKAHEAD, SENDER_MARGIN)])
@pytest.mark.parametrize("started", [F(0), F(3, 7)])  # where the windows began: their ends fall elsewhere
@pytest.mark.parametrize("ms", [55, 70, 90, 110, 130, 149])
def test_a_binding_typed_more_than_50_ms_before_a_boundary_lands_on_it(lookahead, margin, started, ms):
    """The windows end on each quantize boundary too, so the state kept there
    is there to go back to (they used to end only every CHUNK, and a binding
    typed 60 to 150 ms before the cycle missed it: it played a cycle late)."""
    rig = far(Rig("let a = MidiTrack(1); a << [C4*4]"), lookahead, margin)
    rig.start()
    rig.play_until(started)
    rig.run("")  # the next windows begin here
    rig.play_until(1 - F(ms, 1000) * rig.session.cps)
    rig.run("a << [D4*4]")
    rig.play_until(2)
    assert note_ons(rig) == [(k / 4, 60) for k in range(4)] + [(k / 4, 62) for k in range(4, 9)]


def test_a_binding_typed_less_than_50_ms_before_the_boundary_lands_on_the_next_one():
    rig = far(Rig("let a = MidiTrack(1); a << [C4*4]"))
    rig.start()
    rig.play_until(1 - F(45, 1000) * rig.session.cps)
    rig.run("a << [D4*4]")
    rig.play_until(3)
    assert note_ons(rig) == [(k / 4, 60) for k in range(8)] + [(k / 4, 62) for k in range(8, 13)]


def test_windows_end_on_each_quantize_boundary():
    rig = far(Rig("let a = MidiTrack(1); a << [C4*4]; quantize(1/7)"))
    rig.start()
    rig.play_until(F(9, 10))
    assert rig.engine.scheduler.horizon == F(23, 20)  # asked to there, in windows cut on each 1/7
    assert [kept.cycle for kept in rig.engine.scheduler._checkpoints] == [
        F(3, 7), F(4, 7), F(3, 5), F(5, 7), F(6, 7), F(1), F(8, 7)]  # (3/5: where an earlier ask ended)


def test_a_binding_typed_just_before_the_cycle_boundary_still_lands_on_it():
    """Asked half a second ahead, the next cycle is already asked for a
    while before it comes: the input takes it back and lands on it."""
    rig = far(Rig("let a = MidiTrack(1); a << [C4*4]"))
    rig.start()
    rig.play_until(F(19, 20))  # 100 ms before cycle 1
    rig.run("a << [D4*4]")
    rig.play_until(2)
    assert note_ons(rig) == [(k / 4, 60) for k in range(4)] + [(k / 4, 62) for k in range(4, 9)]


@pytest.mark.parametrize("program, change", [
    ("let a = MidiTrack(1); a << [C4 E4@2].gate(2); a.cc(1) << Saw(1); a.program(3)", "a << [D4*3]; a.cc(1) << Sine(1)"),
    # the second C4 comes while the first sounds and ends it; after the change, it never came: the first ends itself
    ("let a = MidiTrack(1); a << [C4*2].gate(3)", "a << [~ D4]"),
    ("let m = MpeTrack(members: 2); m << [C4 E4 G4].gate(2); m.note_bend << Saw(1)", "m << [~ A4]"),  # channels
])
def test_a_fork_of_the_stream_goes_on_from_where_it_was_taken_whatever_the_stream_did_since(program, change):
    import trackjammer.core  # noqa: F401
    from trackjammer.lang.evaluator import Interpreter
    from trackjammer.session import Session

    session = Session()
    interpreter = Interpreter(session)
    interpreter.execute(program)
    before = [plan_of_track(t, i) for i, t in enumerate(session.tracks())]
    interpreter.execute(change)
    after = [plan_of_track(t, i) for i, t in enumerate(session.tracks())]
    stream = MessageStream()
    first = stream.window(before, F(0), F(1, 4))
    fork = stream.fork()
    stream.window(before, F(1, 4), F(2))  # the windows handed over, then taken back
    stream.release(F(2))
    reference = MessageStream()  # the change made before anything was handed over past 1/4
    assert reference.window(before, F(0), F(1, 4)) == first
    assert fork.window(after, F(1, 4), F(2)) + fork.release(F(2)) == reference.window(after, F(1, 4), F(2)) + reference.release(F(2))


def test_an_idle_engine_asks_for_nothing_and_keeps_one_silent_stretch(monkeypatch):
    """Nothing bound: no window is asked for; the state is kept once, good
    anywhere from where the engine started to as far as the asks reached."""
    rig = far(Rig(""))
    asked = []
    messages = rig.engine.transport.messages
    monkeypatch.setattr(rig.engine.transport, "messages", lambda *a, **k: asked.append(a[:2]) or messages(*a, **k))
    rig.start()
    rig.play_until(3)
    scheduler = rig.engine.scheduler
    assert asked == []
    [kept] = scheduler._checkpoints  # (where it begins may have played: the clock looks once a second)
    assert kept.cycle <= 3 and kept.silent_until == scheduler.horizon
    assert 3 < scheduler.horizon <= 3 + F(FAR_LOOKAHEAD) * rig.session.cps  # asked at most FAR_LOOKAHEAD ahead


@pytest.mark.parametrize("ms, lands", [(55, 3), (70, 3), (90, 3), (110, 3), (130, 3), (149, 3), (400, 3), (45, 4)])
def test_a_binding_typed_into_an_idle_engine_lands_on_the_next_boundary_at_least_50_ms_ahead(ms, lands):
    rig = far(Rig(""))
    rig.start()
    rig.play_until(3 - F(ms, 1000) * rig.session.cps)
    rig.run("let a = MidiTrack(1); a << [C4*4]")
    rig.play_until(5)
    assert note_ons(rig) == [(k / 4, 60) for k in range(4 * lands, 21)]


def test_with_quantize_zero_an_idle_engine_plays_a_binding_50_ms_after_it_is_typed():
    rig = far(Rig("quantize(0)"))
    rig.start()
    rig.play_until(F(2, 3))
    rig.run("let a = MidiTrack(1); a << [C4*64]")
    landed = rig.engine.scheduler.horizon  # the first 1/960 of a cycle at least 50 ms (1/40 cycle) ahead
    assert landed == F(math.ceil((F(2, 3) + F(1, 40)) * 960), 960) == F(664, 960)
    rig.play_until(1)
    assert note_ons(rig) == [(k / 64, 60) for k in range(45, 65)]  # from 45/64 = 675/960 on


def test_notes_still_sounding_after_a_track_is_cleared_end_before_the_engine_counts_as_idle():
    rig = far(Rig("let a = MidiTrack(1); a << [C4 E4].gate(4)"))
    rig.start()
    rig.play_until(F(1, 4))
    rig.run("a.clear()")  # from cycle 1: C4 and E4 sound until 2 and 2.5
    rig.play_until(4)
    assert [data for _, data in rig.output.sent] == [(0x90, 60, 100), (0x90, 64, 100), (0x80, 60, 0), (0x80, 64, 0)]
    assert [t for t, _ in rig.output.sent][2:] == [rig.at(2), rig.at(F(5, 2))]
    kept = rig.engine.scheduler._checkpoints
    assert kept[-1].silent_until == rig.engine.scheduler.horizon and kept[-1].cycle >= F(5, 2)
    rig.run("a << [G4]")
    rig.play_until(F(13, 2))
    assert [data for _, data in rig.output.sent][4:] == [(0x90, 67, 100), (0x80, 67, 0), (0x90, 67, 100)]
    assert [t for t, _ in rig.output.sent][4:] == [rig.at(5), rig.at(6), rig.at(6)]


def test_a_binding_typed_long_after_an_idle_engine_last_asked_still_lands_50_ms_ahead():
    """The idle clock asks once a second, as far as 650 ms ahead: a binding
    typed after that reach is no reason to land early (or late)."""
    rig = far(Rig(""))
    rig.start()
    rig.play_until(2)
    scheduler = rig.engine.scheduler
    reached = scheduler.horizon
    rig.fake.t = rig.at(3) - 0.03  # 30 ms before cycle 3, the clock thread asleep since cycle 2
    assert reached < 3
    rig.run("let a = MidiTrack(1); a << [C4*4]")
    rig.play_until(5)
    assert note_ons(rig) == [(k / 4, 60) for k in range(16, 21)]


@pytest.mark.parametrize("window_ms, batches", [(0, 1), (5, 10)])
def test_an_ask_that_runs_long_hands_each_window_over_as_soon_as_it_is_made(monkeypatch, window_ms, batches):
    """Asked 1.25 s ahead, a slow ask must not hold back its first window
    until the last is made: past SLOW_ASK (10 ms), each goes at once. (At
    5 ms a window of 100 ms, windows stay 100 ms: REPLAY allows no more.)"""
    rig = far(Rig("let a = MidiTrack(1); a << [C4*32]"))
    scheduler = rig.engine.scheduler
    scheduler.ahead = scheduler.lookahead  # as with a sending process: handed over far ahead
    handed: list[tuple[float, list]] = []
    scheduler.send = lambda messages: handed.append((rig.fake.t, [m.time for m in messages]))
    messages = rig.engine.transport.messages

    def slow(*args, **kwargs):
        rig.fake.t += window_ms / 1000  # this window's work
        return messages(*args, **kwargs)

    monkeypatch.setattr(rig.engine.transport, "messages", slow)
    rig.start()
    scheduler.step()
    assert scheduler.horizon == F(576, 960)  # 1.25 s ahead, less the 50 ms before cycle 0 (cps 1/2)
    want = [m.time for m in expected(rig.session, 1) if m.time < F(576, 960)]
    assert [t for _, times in handed for t in times] == want  # every message once, in order
    assert len(handed) == batches
    if window_ms:  # 3 windows took 15 ms: each of the other 9 went the moment it was made
        assert [round((t - handed[0][0]) * 1000) for t, _ in handed] == [window_ms * k for k in range(batches)]


def windows(rig: Rig) -> list[tuple[F, F]]:
    """(begin, length) of each window kept to go back to."""
    return [(kept.cycle, end - kept.cycle) for kept, end in rig.engine.scheduler.windows()]


@pytest.mark.parametrize("ms_a_second, longest", [(0, F(11, 20)), (10, F(1, 4)), (100, F(1, 20)), (400, F(1, 20))])
def test_a_window_is_as_long_as_can_be_asked_again_in_5_ms(monkeypatch, ms_a_second, longest):
    """Asks costing 10 ms a second of music make windows of 0.5 s (1/4 cycle),
    so a change cutting one asks its beginning again in 5 ms at most;
    costlier ones keep CHUNK (100 ms); free ones reach as far as each ask
    (1.1 s). The first window after a start is CHUNK long: its cost unknown."""
    rig = far(Rig("let a = MidiTrack(1); a << [C4*8]"))
    messages = rig.engine.transport.messages

    def costly(begin, end, *args, **kwargs):
        rig.fake.t += ms_a_second / 1000 * float(end - begin) / float(rig.session.cps)
        return messages(begin, end, *args, **kwargs)

    monkeypatch.setattr(rig.engine.transport, "messages", costly)
    rig.start()
    seen = set()
    for tenth in range(1, 41):
        rig.play_until(F(tenth, 10))
        seen.update(windows(rig))
    first, *rest = sorted(seen)
    assert first == (0, F(1, 20))
    assert max(length for _, length in rest) == longest


def test_a_window_where_a_track_failed_is_not_cut_a_change_lands_where_the_next_begins():
    """Asking its beginning again would not fail as it did (its budget is not
    charged twice): the state at a cut would not be the one the notes sent
    came from, so the change waits for the next window, and no note hangs."""
    rig = far(Rig("let a = MidiTrack(1); a << [C4*8].gate(2); let b = MidiTrack(2); b << [<C5!20 C5*100000>]; "
                  "quantize(0)"))
    rig.start(until=23)
    rig.play_until(20 + F(1, 100))
    assert "track 'b' stopped" in rig.said[-1]
    [(begin, length)] = [(kept.cycle, end - kept.cycle) for kept, end in rig.engine.scheduler.windows()
                         if not kept.clean]
    assert begin < 20 + F(1, 100) + F(1, 40) < begin + length  # where the change would land: inside it
    rig.run("a << [D4*8].gate(2)")
    landed = rig.engine.scheduler.horizon
    assert landed == begin + length
    rig.play_until(23)
    assert note_ons(rig)[-24:] == [(k / 8, 60 if k < landed * 8 else 62) for k in range(160, 184)]
    assert rig.output.held == set()


def test_a_cut_whose_window_cannot_be_asked_again_lands_where_the_next_begins(monkeypatch):
    """When asking a window's beginning again fails after all, the transport
    is put back as it was and the next window's beginning is taken back
    instead: what plays is still exactly the export."""
    program = "let a = MidiTrack(1); a << [C4 [E4 G4]](3,8); a.gate(3); a.cc(74) << Sine(1)"
    rig = far(Rig(program))
    replay = rig.engine.transport.replay
    tried = []
    monkeypatch.setattr(rig.engine.transport, "replay", lambda *args: tried.append(replay(*args)) and False)
    t0 = rig.start(until=4)
    for moment in (F(3, 10), F(7, 10), F(13, 10), F(2)):
        rig.play_until(moment)
        before = windows(rig)
        rig.run("")
        inside = [(begin, length) for begin, length in before if begin < rig.engine.scheduler.horizon]
        assert rig.engine.scheduler.horizon == inside[-1][0] + inside[-1][1]  # the next window's beginning
    assert tried == [True] * 4  # each replay itself went well, and was undone
    rig.play_until(4)
    assert_sent_as_exported(rig, t0, 4)


@pytest.mark.parametrize("seed", range(6))
def test_changes_at_random_moments_never_leave_a_note_sounding_or_start_one_twice(seed):
    """Mute, solo, new bindings and quantize(0) typed at random moments, each
    cutting a window somewhere inside: on every channel and note, note-ons
    and note-offs alternate, the first an on, the last an off (a state at a
    cut that differed from the notes sent would end a note twice or never)."""
    program = ("let a = MidiTrack(1); a << [C4 [E4 G4]](3,8).gate(3); a.cc(74) << Sine(1); "
               "let b = MidiTrack(2); b << [C2 ~ C2@2].gate(2); quantize(0)")
    changes = ["a.mute()", "a.unmute()", "b.solo()", "b.unsolo()", "a << [C4 E4]*2", "a << [C4 [E4 G4]](3,8).gate(3)",
               "b << [C2*4].gate(3)", "b << [C2 ~ C2@2].gate(2)", "quantize(1/4)", "quantize(0)", ""]
    chosen = random.Random(seed)
    rig = far(Rig(program))
    rig.start(until=12)
    moment = F(0)
    for _ in range(40):
        moment += F(chosen.randrange(1, 40), 97)  # anywhere, off any grid the windows keep
        if moment >= 11:
            break
        rig.play_until(moment)
        rig.run(chosen.choice(changes))
    rig.play_until(12)
    assert rig.output.held == set()
    sounding: dict[tuple[int, int], bool] = {}
    for _, data in rig.output.sent:
        if data[0] & 0xE0 == 0x80:  # a note-on or a note-off
            key, on = (data[0] & 0x0F, data[1]), data[0] & 0xF0 == 0x90 and data[2] > 0
            assert sounding.get(key, False) != on, (key, on)
            sounding[key] = on
    assert not any(sounding.values()) and len(sounding) >= 2
