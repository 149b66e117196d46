"""A full disk while exporting or rendering (issue 15, item 6), on a real
full file system: a small tmpfs mounted on a folder of the test's own, in a
private mount namespace (`unshare -m`), so nothing outside it sees the
mount. One clear error naming the file and the full disk, exit 1 in `run`,
and nothing half-written left: no export.mid without its snapshot.tj and
render.json, no .part file, the file that was there before still whole."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Runs inside the namespace: mount, fill the disk to leave `free` bytes, run
# each script with `trackjammer run --offline`, report what happened as JSON.
DRIVER = r"""
import json, os, subprocess, sys
folder, cases = sys.argv[1], json.loads(sys.argv[2])
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", folder], check=True)
os.chdir(folder)
results = []
for case in cases:
    for name, data in case["before"].items():
        with open(name, "wb") as file:
            file.write(data.encode())
    for name, target in case.get("links", {}).items():
        os.link(target, name)
    with open("s.tj", "w") as file:
        file.write(case["script"])
    handle = os.open("filler", os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(handle, b"\0" * 4096)
    except OSError:
        pass
    os.close(handle)
    os.truncate("filler", os.path.getsize("filler") // 4096 * 4096 - case["free"])
    done = subprocess.run([sys.executable, "-m", "trackjammer", "run", "s.tj", "--offline"],
                          capture_output=True, text=True)
    files = sorted(os.path.relpath(os.path.join(d, n), ".") for d, ds, ns in os.walk(".") for n in ds + ns)
    contents = {name: open(name).read() for name in case["before"]}
    results.append({"rc": done.returncode, "stderr": done.stderr, "files": files, "contents": contents})
    for name in files[::-1]:
        os.rmdir(name) if os.path.isdir(name) else os.unlink(name)
print(json.dumps(results))
"""


def run_on_a_full_disk(tmp_path: Path, cases: list[dict]) -> list[dict]:
    if shutil.which("unshare") is None:
        pytest.skip("unshare is not installed: no private mount namespace for a small tmpfs")
    probe = subprocess.run(["unshare", "-m", "--propagation", "private", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a private mount namespace here ({probe.stderr.strip()}): needs root or CAP_SYS_ADMIN")
    folder = tmp_path / "disk"
    folder.mkdir()
    done = subprocess.run(
        ["unshare", "-m", "--propagation", "private", sys.executable, "-c", DRIVER, str(folder), json.dumps(cases)],
        capture_output=True, text=True, timeout=300, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin:/usr/sbin:/sbin"},
    )
    if done.returncode != 0 and "mount" in done.stderr:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()[-200:]}")
    assert done.returncode == 0, done.stderr
    assert list(folder.iterdir()) == []  # the tmpfs was the namespace's alone
    return json.loads(done.stdout)


TRACKS = "let t = MidiTrack(1); t << [C4 E4 G4 B4]*16;\n"


def test_a_full_disk_is_one_clear_error_and_leaves_nothing_half_written(tmp_path):
    cases = [
        # an automatic export: export.mid fits in the one free block, its snapshot.tj does not
        {"before": {}, "free": 4096, "script": TRACKS + "midi_export(t, 1);\n"},
        # an explicit path with a file there: it stays whole, nothing is kept aside
        {"before": {"x.mid": "mine"}, "free": 0, "script": TRACKS + 'midi_export(t, 64, "x.mid");\n'},
        {"before": {"x.mid": "mine"}, "free": 0, "script": TRACKS + 'midi_export(t, 64, "x.mid", overwrite: true);\n'},
        # a file with another hard link is written through, after its space is reserved
        {"before": {"x.mid": "mine"}, "links": {"other.mid": "x.mid"}, "free": 0,
         "script": TRACKS + 'midi_export(t, 64, "x.mid", overwrite: true);\n'},
        # a save
        {"before": {}, "free": 0, "script": TRACKS + 'save("verse");\n'},
    ]
    auto, keep, overwrite, linked, save = run_on_a_full_disk(tmp_path, cases)

    assert auto["rc"] == 1 and "Traceback" not in auto["stderr"]
    assert re.fullmatch(r"s\.tj: error: line 2, column 1: cannot write renders/s/[0-9_-]+/snapshot\.tj:"
                        r" the disk is full\n  midi_export\(t, 1\);\n  \^\n"
                        r"hint: free some space and try again; nothing was written\n", auto["stderr"]), auto["stderr"]
    assert auto["files"] == ["filler", "renders", "renders/s", "s.tj"]

    for case in (keep, overwrite):
        assert case["rc"] == 1 and "cannot write x.mid: the disk is full" in case["stderr"], case["stderr"]
        assert case["files"] == ["filler", "s.tj", "x.mid"] and case["contents"] == {"x.mid": "mine"}

    assert linked["rc"] == 1 and "cannot write x.mid: the disk is full" in linked["stderr"], linked["stderr"]
    assert linked["files"] == ["filler", "other.mid", "s.tj", "x.mid"] and linked["contents"] == {"x.mid": "mine"}

    assert save["rc"] == 1 and "Traceback" not in save["stderr"]
    assert "cannot write sessions/s/verse.tj: the disk is full" in save["stderr"], save["stderr"]
    assert save["files"] == ["filler", "s.tj", "sessions", "sessions/s", "sessions/s/versions"]


def test_a_render_on_a_full_disk_leaves_no_folder(tmp_path):
    pytest.importorskip("numpy")
    script = TRACKS + 'render(t, 2, synth: "builtin");\n'
    (result,) = run_on_a_full_disk(tmp_path, [{"before": {}, "free": 0, "script": script}])
    assert result["rc"] == 1 and "Traceback" not in result["stderr"]
    assert re.search(r"cannot write renders/s/[0-9_-]+/render\.wav: the disk is full\n", result["stderr"]), result["stderr"]
    assert result["files"] == ["filler", "renders", "renders/s", "s.tj"]
