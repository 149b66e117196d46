"""The real REPL in a pseudo-terminal with a pattern no MIDI port could
carry: refused where it is typed, or (dense only later) stopped while it
plays, and hush and Ctrl-D act at once."""

from __future__ import annotations

import time

import pexpect

from tests.repl.test_repl_e2e import CTRL_D, ENTER, F2, TRACKJAMMER, repl_env

DENSE = ("this asks for about 100,000 events a cycle, 400,000 a second at cps 4; "
         "a MIDI port carries at most 5,000 a second on one track")


def test_a_dense_pattern_never_holds_up_the_repl(tmp_path):
    child = pexpect.spawn(str(TRACKJAMMER), ["--no-midi", "--cps", "4"], env=repl_env(tmp_path), cwd=str(tmp_path),
                          dimensions=(30, 250), encoding="utf-8", timeout=10)
    child.expect_exact("Ctrl-D quit")
    child.send("let p = MidiTrack(2); p << [E4*16]; let h = MidiTrack(1); h << [C4*16]" + ENTER)
    child.send("h << [C5].fast(100000)" + ENTER)
    child.expect_exact("error: line 1, column 11: " + DENSE)
    child.send("h << [<C5 C5*100000>]" + ENTER)  # dense from its second cycle: the cycles tried when bound find it
    child.expect_exact("error: line 1, column 6: " + DENSE + " (in cycle 1)")
    child.send("h << [<C5!8 C5*100000>]" + ENTER)  # dense from cycle 8, past them: stopped while it plays
    # (without a sending process windows are asked 50 ms ahead, wherever the clock thread is, so the one
    # refused may begin in cycle 7: its density is counted from there and from cycle 8, the densest said,
    # or "more than" the window's least when neither can be counted)
    child.expect(r"error: track 'h' stopped: this asks for (about 100,000 events a cycle, 400,000|more than "
                 r"1,[2-9]\d\d events a cycle, 5,\d00) a second at cps 4; a MIDI port carries at most 5,000 a second "
                 r"on one track; its previous pattern plays again")
    child.send(F2)
    child.send("print(h)" + ENTER)
    child.expect_exact('MidiTrack(1, 100, name: "h")')
    started = time.monotonic()
    child.send(CTRL_D)
    child.expect(pexpect.EOF, timeout=5)
    child.close()
    assert child.exitstatus == 0 and time.monotonic() - started < 5  # 63 s before the budget
