"""The status bar's flash with a sending process: note-ons handed over, reached by the clock."""

from fractions import Fraction

from trackjammer.engine.onsets import HandedOnsets


def test_the_latest_note_on_reached_by_the_clock_and_none_before_the_first():
    onsets = HandedOnsets()
    for cycle in (Fraction(1), Fraction(5, 4), Fraction(3, 2)):
        onsets.note(7, cycle)
    assert onsets.latest(7, 0.9) is None
    assert onsets.latest(7, 1.0) == Fraction(1)
    assert onsets.latest(7, 1.3) == Fraction(5, 4)
    assert onsets.latest(7, 9.0) == Fraction(3, 2)
    assert onsets.latest(8, 9.0) is None


def test_unbound_tracks_and_dropped_messages_leave_nothing():
    onsets = HandedOnsets()
    onsets.note(1, Fraction(4))
    onsets.note(2, Fraction(4))
    onsets.keep_only([2])
    assert onsets.latest(1, 5.0) is None and onsets.latest(2, 5.0) == Fraction(4)
    onsets.clear()  # a start from cycle 0: what was handed over for cycle 4 never plays
    onsets.note(2, Fraction(0))
    assert onsets.latest(2, 0.5) == Fraction(0)


def test_a_steady_stretch_gives_its_note_ons_each_period_on_up_to_where_it_ends():
    from trackjammer.midi.messages import NOTE_OFF, NOTE_ON, Message

    onsets = HandedOnsets()
    onsets.note(3, Fraction(3, 2))  # handed over before the stretch
    period = [Message(Fraction(2), NOTE_ON, 3, 0, 60, 100), Message(Fraction(9, 4), NOTE_OFF, 3, 0, 60, 0),
              Message(Fraction(5, 2), NOTE_ON, 3, 0, 62, 100), Message(Fraction(5, 2), NOTE_ON, 4, 0, 36, 100)]
    onsets.replay(period, Fraction(2), 2, None)  # [2, 4) plays again from 4 on
    assert onsets.latest(3, 3.9) == Fraction(3, 2)  # its own lap was handed over as any window (not noted here)
    assert onsets.latest(3, 4.0) == Fraction(4)
    assert onsets.latest(3, 4.4) == Fraction(4)
    assert onsets.latest(3, 5.9) == Fraction(9, 2)  # the last of the lap before
    assert onsets.latest(3, 6.49) == Fraction(6)
    assert onsets.latest(3, 100.5) == Fraction(201, 2)
    assert onsets.latest(4, 7.0) == Fraction(13, 2)
    onsets.drop_from(Fraction(8))  # a change took it back from cycle 8 on
    assert onsets.latest(3, 9.0) == Fraction(13, 2)
    onsets.note(3, Fraction(17, 2))  # what plays after the change is handed over
    assert onsets.latest(3, 9.0) == Fraction(17, 2)
    onsets.keep_only([3])
    assert onsets.latest(4, 7.0) is None
