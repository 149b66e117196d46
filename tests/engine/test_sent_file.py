"""The sending process's journal file (engine/sent_file.py): written through
a mapping into reserved space, cut to what was written when closed, and
read whole after a kill, however the last copy was stopped.

The files are real, in the test's folder; the full disk is a real limit
(RLIMIT_FSIZE in a child process), and the end-to-end cases (a full tmpfs,
a sending process killed mid-take) are in test_full_disk_jack.py and
test_recorder_jack.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from trackjammer.engine import journal
from trackjammer.engine.sent_file import CHUNK, TakeFile, data_end, journal_line


def lines(count: int, first: int = 0) -> list[bytes]:
    return [journal_line(i, 4, i % 3, bytes([0x90, 60 + i % 12, 100]), 0) for i in range(first, first + count)]


def text_of(found: list[bytes]) -> list[str]:
    return [line.decode()[:-1] for line in found]


def test_lines_are_copied_into_reserved_space_and_the_file_is_cut_to_them_when_closed(tmp_path):
    path = tmp_path / "recording.sent"
    said: list[tuple] = []
    take = TakeFile()
    take.lines = lines(3)
    take.open(str(path), said.append)
    take.write(said.append)
    assert take.map is not None and take.used == sum(map(len, lines(3)))
    assert os.path.getsize(path) == CHUNK  # reserved: the rest is zeros
    assert list(journal.complete_lines(path)) == text_of(lines(3))  # read as the take goes on
    take.lines = lines(2, first=3)
    take.write(said.append)
    take.close()
    assert path.read_bytes() == b"".join(lines(5)) and said == []


def test_a_take_longer_than_the_reserved_space_reserves_more(tmp_path):
    path = tmp_path / "recording.sent"
    take = TakeFile()
    take.open(str(path), print)
    written = []
    while take.used <= 2 * CHUNK:  # bursts of 7 lines, as the sending process writes them
        burst = lines(7, first=len(written))
        written += burst
        take.lines = list(burst)
        take.write(print)
    assert take.map is not None and os.path.getsize(path) > 2 * CHUNK
    assert list(journal.complete_lines(path)) == text_of(written)
    take.close()
    assert path.read_bytes() == b"".join(written)


def killed_file(path: Path, whole: list[bytes], copied: bytes) -> None:
    """What a process killed in the middle of a copy leaves: its whole
    lines, the burst it was copying (zeros where the copy had not reached),
    then reserved zeros."""
    data = b"".join(whole) + copied
    path.write_bytes(data + bytes(CHUNK - len(data)))


BURST = b"".join(lines(3, first=100))
HOLED = BURST[:10] + bytes(30) + BURST[40:]  # glibc copies the head and the tail first


def test_readers_stop_at_the_first_zero_a_kill_left(tmp_path):
    journal_path = tmp_path / "recording.journal"
    path = journal_path.with_name(journal.SENT)
    for copied in (HOLED, BURST[:12], b""):
        killed_file(path, lines(4), copied)
        assert list(journal.complete_lines(path)) == text_of(lines(4)), copied
        assert list(journal.sent_lines(journal_path)) == text_of(lines(4))
        assert journal.held_after(path) == [(0, bytes([0x90, 60 + i, 100])) for i in range(4)]
        with open(path, "rb") as file:
            assert data_end(file.fileno()) == (len(b"".join(lines(4))), len(b"".join(lines(4))) + len(copied))


def test_a_process_started_in_a_dead_ones_place_writes_on_from_its_last_whole_line(tmp_path):
    path = tmp_path / "recording.sent"
    killed_file(path, lines(4), HOLED)
    take = TakeFile()
    take.open(str(path), print)
    take.lines = [journal_line(9, 1, None, bytes([0x80, 60, 0]), 0)]  # shorter than what the kill left
    take.write(print)
    expected = b"".join(lines(4)) + b"m 9 - 803c00 0\n"
    assert path.read_bytes().rstrip(b"\0") == expected  # nothing of the half-copied burst after it
    take.close()
    assert path.read_bytes() == expected


def test_a_file_closed_as_it_should_be_is_read_to_its_end(tmp_path):
    path = tmp_path / "recording.sent"
    path.write_bytes(b"".join(lines(3)))
    with open(path, "rb") as file:
        assert data_end(file.fileno()) == (path.stat().st_size,) * 2
    path.write_bytes(b"".join(lines(3)) + b"m 1/2 1 90")  # a write() cut by a full disk
    with open(path, "rb") as file:
        assert data_end(file.fileno()) == (len(b"".join(lines(3))), path.stat().st_size)


CHILD = """
import os, resource, signal, sys
from trackjammer.engine.sent_file import TakeFile, journal_line
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG, as on a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
said = []
take = TakeFile()
take.open(sys.argv[1], said.append)
mapped = take.map is not None
take.lines = [journal_line(i, 1, 0, bytes([0x90, 60, 100]), 0) for i in range(10)]
take.write(said.append)
take.lines = [journal_line(10 + i, 1, 0, bytes([0x90, 60, 100]), 0) for i in range(300)]
take.write(said.append)  # past the limit: part of it written, the rest waits
print(mapped, len(take.waiting) > 0, said)
take.close()
"""


def test_where_no_space_can_be_reserved_the_lines_are_written_as_before_and_a_full_disk_is_said(tmp_path):
    path = tmp_path / "recording.sent"
    done = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, timeout=30,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[0] == "False True [('refused', 'File too large')]"
    written = path.read_bytes()
    assert len(written) == 4096 and written.startswith(b"".join(
        journal_line(i, 1, 0, bytes([0x90, 60, 100]), 0) for i in range(10)))
    assert list(journal.complete_lines(path)) == [
        f"m {i} 0 903c64 0" for i in range(len(written.split(b"\n")) - 1)]
