"""REPL tests run in an empty folder of their own: the engine they start
records every take to renders/ and logs the session to sessions/ under the
working directory."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _in_a_fresh_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
