"""Every test here asks Strudel itself: without node or the pinned packages
they skip, saying why; TJ_REQUIRE_STRUDEL=1 turns that skip into a failure."""

from __future__ import annotations

import os

import pytest

from tests.strudel.reference import unavailable


@pytest.fixture(scope="module", autouse=True)
def strudel():
    reason = unavailable()
    if reason is not None:
        if os.environ.get("TJ_REQUIRE_STRUDEL") == "1":
            pytest.fail(f"TJ_REQUIRE_STRUDEL=1, but {reason}", pytrace=False)
        pytest.skip(reason)
