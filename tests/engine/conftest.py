"""Engine tests run in an empty folder of their own: every take the engine
plays is recorded to renders/ under the working directory."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _in_a_fresh_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def only_the_first_cycle_tried(monkeypatch):
    """A binding tries its first cycles when typed (lang/evaluator.py
    TRIED_CYCLES) and refuses one failing in them, or too dense there. The
    engine's own fallback (a binding failing past those cycles, or when the
    trying ran out of time) is tested with bindings that fail in their
    second cycle: with only the first tried, they reach the engine."""
    from trackjammer.lang import evaluator

    monkeypatch.setattr(evaluator, "TRIED_CYCLES", 1)
