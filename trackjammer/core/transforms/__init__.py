"""The transformations, by family. Importing this package registers them all."""

from __future__ import annotations

from trackjammer.core.transforms import arith, chance, structure, time, tonal  # noqa: F401
from trackjammer.core.transforms import conditional, echo, pick, reorder, squeeze  # noqa: F401,E402
