"""What the command line asked of the REPL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fractions import Fraction


@dataclass
class Options:
    """What the command line asked for (None: from the config file, else the default)."""

    no_midi: bool = False
    port: str | int | None = None
    backend: str | None = None
    project: str | None = None
    cps: Fraction | None = None
    debug: bool = False
    listen: bool | int | None = None  # the door for editors: off, on, on with TCP on this port (None: config)
