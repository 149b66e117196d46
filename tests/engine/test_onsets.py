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
