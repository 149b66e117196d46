"""The sending process runs first in line (SCHED_FIFO 10 where allowed: as
root here), and its ports' JACK client threads one above it, as a real-time
JACK server would run them (checked again when a port comes back, as a new
server gives the port a new client). Over
the real JACK server (started --no-realtime: its clients' threads are
ordinary ones otherwise)."""

from __future__ import annotations

import os
import time
import uuid

import pytest

import trackjammer.core  # noqa: F401
from trackjammer.engine.live import open_live
from trackjammer.engine.sender_process import REALTIME_PRIORITY
from trackjammer.lang.evaluator import Interpreter
from trackjammer.project.takes import RenderTakes
from trackjammer.session import Session
from tests.engine.test_port_health_jack import wait_until
from tests.support.jack_receiver import JackReceiver

pytestmark = pytest.mark.jack


def policies(pid: int) -> dict[int, tuple[int, int]]:
    """Each thread of process `pid`: (policy, real-time priority)."""
    found = {}
    for thread in os.listdir(f"/proc/{pid}/task"):
        tid = int(thread)
        found[tid] = (os.sched_getscheduler(tid), os.sched_getparam(tid).sched_priority)
    return found


def test_the_jack_client_threads_run_one_above_the_sending_loop_also_after_its_port_comes_back(jack_server, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("SCHED_FIFO needs root or an rtprio limit")
    said: list[str] = []
    session = Session(cps=1, out=said.append)
    Interpreter(session).execute("let a = MidiTrack(1); a << [C4*8]")
    client = f"tj-synth-{uuid.uuid4().hex[:8]}"
    first = JackReceiver(server=jack_server, client_name=client).start()
    engine, _ = open_live(session, first.port, "jack", said.append, takes=RenderTakes())
    second = None
    try:
        first.wait_connected()
        engine.start()
        pid = engine.sender.process.pid
        before = policies(pid)
        assert before.pop(pid) == (os.SCHED_FIFO, REALTIME_PRIORITY)
        assert len(before) >= 2 and set(before.values()) == {(os.SCHED_FIFO, REALTIME_PRIORITY + 1)}, before
        first._proc.kill()
        first._proc.wait()
        wait_until(lambda: engine.ports_gone() == [first.port], timeout=10)
        second = JackReceiver(server=jack_server, client_name=client).start()
        wait_until(lambda: f"MIDI port '{first.port}' is back: reconnected" in said, timeout=10)
        time.sleep(0.1)
        after = policies(pid)  # the port is opened again in the same client, or a new one (a new server)
        assert after.pop(pid) == (os.SCHED_FIFO, REALTIME_PRIORITY)
        assert len(after) >= 2 and set(after.values()) == {(os.SCHED_FIFO, REALTIME_PRIORITY + 1)}, after
        engine.stop()
    finally:
        engine.close()
        if second is not None:
            second.stop()
