"""Knobs: a controller's last value as a continuous pattern (core/knobs.py), exact."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

import trackjammer.core  # noqa: F401
from trackjammer.core.knobs import KnobStore, knob_of
from trackjammer.core.values import Unit
from trackjammer.errors import ArgumentError
from trackjammer.lang.evaluator import Interpreter


def values(pattern, t=F(1, 3)):
    return [e.value for e in pattern.query_span(t, t)]


def test_a_knob_is_silent_until_moved_then_gives_the_last_value_as_a_unit_at_any_time():
    store = KnobStore()
    knob = knob_of(21, store=store)
    assert values(knob) == [] and knob.query_span(0, 4) == []
    store.moved("nanoKONTROL", 21, 127)
    store.moved("nanoKONTROL", 22, 5)
    assert values(knob) == [1.0] and type(values(knob)[0]) is Unit
    store.moved("keys", 21, 64)
    (event,) = knob.query_span(F(1, 2), F(3, 2))
    assert event.whole is None and event.part == (F(1, 2), F(3, 2)) and event.value == 64 / 127
    assert values(knob.range(60, 120)) == [60 + 60 * 64 / 127]
    assert [round(v * 127) for v in (0 / 127, 64 / 127, 127 / 127)] == [0, 64, 127]  # a lane sends back what came


def test_a_knob_on_a_port_reads_only_inputs_whose_name_holds_it():
    store = KnobStore()
    nano, keys = knob_of(1, "nano", store), knob_of(1, "Keys 49", store)
    store.moved("nanoKONTROL2:out", 1, 10)
    store.moved("Keys 49", 1, 20)
    store.moved("NANOkontrol2:in", 1, 30)  # another port of the same name, case aside: the later wins
    assert (values(nano), values(keys), values(knob_of(1, store=store))) == ([30 / 127], [20 / 127], [30 / 127])


def test_learn_takes_the_next_controller_moved_on_any_port():
    store = KnobStore()
    first, second = store.learn(), store.learn()
    assert (repr(first), values(first), store.waiting()) == ("learn()", [], 2)
    assert store.moved("pads", 7, 99) == [first, second]
    assert (first.cc, first.port, repr(first), values(first)) == (7, "pads", 'knob(7, "pads")', [99 / 127])
    assert store.moved("pads", 8, 1) == [] and store.waiting() == 0


def test_knob_in_the_language_checks_its_arguments():
    interpreter = Interpreter()
    assert repr(interpreter.execute('knob(21, "nano")')) == 'knob(21, "nano")'
    with pytest.raises(ArgumentError, match="from 0 to 127, got 128"):
        interpreter.execute("knob(128)")
    with pytest.raises(ArgumentError, match="expects a string"):
        interpreter.execute("knob(1, 2)")
