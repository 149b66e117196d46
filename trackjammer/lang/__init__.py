"""The script language and the mini-notation inside its pattern literals."""

# A string where a pattern is expected is mini-notation: register the reader
# with the pattern registry as soon as the language is there.
from trackjammer.lang import strings  # noqa: E402,F401
