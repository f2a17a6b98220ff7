"""Saving model files as if edited in place: permissions kept, symlinks followed, no temporary left behind.

References are the operating system's own view: ``os.stat`` modes, ``os.readlink``, the folder listing,
and a child process killed by a real SIGTERM.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from nets.atomic_write import TEMP_PATTERN, remove_stale_temps
from nets.io import WriteTargetError, check_destination, load, save
from nets.vector import VectorMLP

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions, symlinks and signals")


@pytest.fixture
def net() -> VectorMLP:
    return VectorMLP([4, 3, 2], ["tanh", "softmax"], rng=3)


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# ------------------------------------------------------------- permissions --
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o600, 0o664])
def test_an_existing_file_keeps_its_permissions(tmp_path: Path, net: VectorMLP, mode: int) -> None:
    path = save(tmp_path / "m.json", net)
    os.chmod(path, mode)
    save(path, VectorMLP([4, 3, 2], ["tanh", "softmax"], rng=4))
    assert _mode(path) == mode
    assert load(path).weights[0][0][0, 0] == VectorMLP([4, 3, 2], ["tanh", "softmax"], rng=4).W[0][0, 0]


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_a_new_file_gets_the_umasks_permissions(tmp_path: Path, net: VectorMLP, umask: int) -> None:
    old = os.umask(umask)
    try:
        save(tmp_path / "m.json", net)
        with open(tmp_path / "plain.txt", "w") as stream:  # what open() gives, the reference
            stream.write("x")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "m.json") == 0o666 & ~umask == _mode(tmp_path / "plain.txt")


# ---------------------------------------------------------------- symlinks --
def test_a_symlink_stays_a_symlink_and_its_target_gets_the_content(tmp_path: Path, net: VectorMLP) -> None:
    real_dir = tmp_path / "models"
    real_dir.mkdir()
    real = save(real_dir / "v1.json", VectorMLP([4, 3, 2], ["tanh", "softmax"], rng=1))
    os.chmod(real, 0o644)
    link = tmp_path / "current.json"
    link.symlink_to(Path("models") / "v1.json")
    save(link, net)
    assert link.is_symlink() and os.readlink(link) == str(Path("models") / "v1.json")
    assert json.loads(real.read_text())["layers"][0]["W"] == net.W[0].tolist()
    assert _mode(real) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["current.json", "models"]
    assert [p.name for p in real_dir.iterdir()] == ["v1.json"]


def test_a_chain_of_symlinks_and_a_dangling_one(tmp_path: Path, net: VectorMLP) -> None:
    (tmp_path / "a.json").symlink_to("b.json")
    (tmp_path / "b.json").symlink_to("c.json")  # c.json does not exist yet
    save(tmp_path / "a.json", net)
    assert (tmp_path / "a.json").is_symlink() and (tmp_path / "b.json").is_symlink()
    assert (tmp_path / "c.json").is_file() and not (tmp_path / "c.json").is_symlink()
    assert load(tmp_path / "a.json").sizes == [4, 3, 2]


# ------------------------------------------------------- refusals up front --
def test_refuses_to_overwrite_a_file_it_did_not_write(tmp_path: Path, net: VectorMLP) -> None:
    notes = tmp_path / "notes.json"
    notes.write_text('{"mine": true}')
    with pytest.raises(WriteTargetError, match=r"notes.json: cannot be saved: it exists and is not an autonode model"):
        save(notes, net)
    assert issubclass(WriteTargetError, OSError)  # callers that catch OSError for paths catch this too
    assert notes.read_text() == '{"mine": true}' and sorted(p.name for p in tmp_path.iterdir()) == ["notes.json"]
    empty = tmp_path / "empty.json"
    empty.touch()  # nothing to lose: an empty file (e.g. from mkstemp) may be written
    assert load(save(empty, net)).sizes == [4, 3, 2]


def test_destination_problems_are_found_before_any_work(tmp_path: Path, net: VectorMLP) -> None:
    with pytest.raises(WriteTargetError, match=r"the folder .*missing does not exist; create it first"):
        check_destination(tmp_path / "missing" / "m.json")
    with pytest.raises(WriteTargetError, match="is a directory; give a file path"):
        check_destination(tmp_path)
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(WriteTargetError, match="is not writable"):
            check_destination(locked / "m.json")
    assert check_destination(tmp_path / "new.json") == tmp_path / "new.json"
    with pytest.raises(WriteTargetError, match="does not exist"):
        save(tmp_path / "missing" / "m.json", net)


# ------------------------------------------------------------ temporaries --
_SLOW_SAVE = textwrap.dedent(
    """
    import os, sys
    from nets.io import save
    from nets.vector import VectorMLP

    real_write = os.write
    def slow_write(fd, data):  # announce the temporary, then stall inside the save
        print("writing", flush=True)
        sys.stdin.readline()
        return real_write(fd, data)
    os.write = slow_write
    save(sys.argv[1], VectorMLP([4, 3, 2], ["tanh", "softmax"], rng=3))
    """
)


def _start_slow_save(target: Path) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", _SLOW_SAVE, str(target)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    while child.stdout.readline().strip() != "writing":
        assert child.poll() is None, "the child save ended before writing"
    return child


def test_a_save_killed_by_sigterm_leaves_no_temporary(tmp_path: Path, net: VectorMLP) -> None:
    target = save(tmp_path / "m.json", net)
    before = target.read_bytes()
    child = _start_slow_save(target)
    names = [p.name for p in tmp_path.iterdir()]
    assert len(names) == 2 and any(TEMP_PATTERN.match(n) for n in names)  # the temporary exists mid-save
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=30) == -signal.SIGTERM  # still ends as SIGTERM's default action would
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]
    assert target.read_bytes() == before  # the old model is intact


def test_a_save_killed_by_sigkill_leaves_a_temporary_the_next_save_removes(tmp_path: Path, net: VectorMLP) -> None:
    target = save(tmp_path / "m.json", net)
    child = _start_slow_save(target)
    child.kill()
    child.wait(timeout=30)
    stale = [p.name for p in tmp_path.iterdir() if TEMP_PATTERN.match(p.name)]
    assert len(stale) == 1 and f".{child.pid}." in stale[0]
    save(target, net)
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_only_its_own_stale_temporaries_are_removed(tmp_path: Path, net: VectorMLP) -> None:
    dead = _dead_pid()
    ours = tmp_path / f".m.json.autonode-save.{dead}.0a1b2c3d.tmp"
    alive = tmp_path / f".m.json.autonode-save.{os.getppid()}.0a1b2c3d.tmp"  # a running process's save
    lookalikes = [
        f".m.json.{dead}.tmp",  # the pattern of other tools (e.g. mkstemp's)
        f".m.json.autonode-save.{dead}.0A1B2C3D.tmp",  # not lower-case hex
        f".m.json.autonode-save.{dead}.0a1b2c3d.tmp.bak",
        f"m.json.autonode-save.{dead}.0a1b2c3d.tmp",  # not hidden
        f".m.json.autonode-save.x{dead}.0a1b2c3d.tmp",
    ]
    for path in [ours, alive, *(tmp_path / n for n in lookalikes)]:
        path.write_text("partial")
    folder = tmp_path / f".d.json.autonode-save.{dead}.0a1b2c3d.tmp"  # a folder of that name is not a temp file
    folder.mkdir()
    save(tmp_path / "m.json", net)
    left = {p.name for p in tmp_path.iterdir()}
    assert ours.name not in left
    assert left == {"m.json", alive.name, folder.name, *lookalikes}


def test_stale_cleaning_reports_what_it_removed(tmp_path: Path) -> None:
    dead = _dead_pid()
    stale = tmp_path / f".x.json.autonode-save.{dead}.deadbeef.tmp"
    stale.write_text("{")
    assert remove_stale_temps(tmp_path) == [stale] and not stale.exists()
    assert remove_stale_temps(tmp_path / "missing") == []


def test_a_failed_rename_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, net: VectorMLP, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = save(tmp_path / "m.json", net)
    before = target.read_bytes()

    def failing_rename(source: object, destination: object) -> None:
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr("nets.atomic_write.os.replace", failing_rename)
    with pytest.raises(OSError, match="cross-device"):
        save(target, VectorMLP([4, 3, 2], ["tanh", "softmax"], rng=9))
    monkeypatch.undo()
    assert target.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["m.json"]


def test_signal_handlers_are_restored_after_a_save(tmp_path: Path, net: VectorMLP) -> None:
    before = signal.getsignal(signal.SIGTERM)
    save(tmp_path / "m.json", net)
    assert signal.getsignal(signal.SIGTERM) is before


def test_saves_from_threads_do_not_clash(tmp_path: Path) -> None:
    import threading

    nets = [VectorMLP([4, 3, 2], ["tanh", "softmax"], rng=k) for k in range(8)]
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            for _ in range(5):
                save(tmp_path / f"m{k % 2}.json", nets[k])
        except BaseException as error:  # noqa: BLE001 - collected for the assertion below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and time.perf_counter() - start < 60
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m0.json", "m1.json"]
    saved = load(tmp_path / "m0.json").weights[0][0]
    assert any((saved == n.W[0]).all() for n in nets[0::2])  # one whole save won, not a mixture


def test_something_that_is_not_a_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="takes a network, a nets.io.Model or a fitted nets estimator, not dict"):
        save(tmp_path / "m.json", {"W": [[1.0]]})
    assert list(tmp_path.iterdir()) == []
