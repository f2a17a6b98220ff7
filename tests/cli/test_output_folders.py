"""Output folders: autonode writes only its own files (its manifest lists them), and never anyone else's.

Each test sets up a folder the way a user could have it, runs the command, and checks every
file byte for byte afterwards: refused folders are unchanged, owned folders keep foreign files.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import viz
from autonode import Value
from viz.cli.main import main
from viz.outdir import MANIFEST, STAGING_PREFIX, OutputFolderError, write_owned_files

REPO = Path(__file__).resolve().parents[2]


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every entry under ``folder``: file contents, link targets, or "<dir>"."""
    found: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            found[key] = "-> " + os.readlink(path)
        elif path.is_dir():
            found[key] = "<dir>"
        else:
            found[key] = path.read_bytes()
    return found


def owned(folder: Path) -> list[str]:
    return sorted(json.loads((folder / MANIFEST).read_text())["files"])


def expression() -> Value:
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    return (a * b + a) * b  # 6 chain-rule steps: 7 frames


def test_demo_refuses_a_project_folder_and_deletes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "proj"
    (project / ".git").mkdir(parents=True)
    (project / "index.html").write_text("<h1>my site</h1>")
    (project / "main.c").write_text("int main(void) { return 0; }\n")
    before = snapshot(project)
    assert main(["demo", "--quick", "-o", str(project)]) == 2
    err = capsys.readouterr().err
    assert str(project) in err and "choose an empty or new folder, or remove it yourself" in err
    assert snapshot(project) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["proj"]


def test_steps_refuse_a_folder_autonode_did_not_create(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "frames"
    folder.mkdir()
    (folder / "step_500.svg").write_text("<svg>mine</svg>")
    (folder / "index.html").write_text("my page")
    before = snapshot(folder)
    assert main(["grad", "a*b", "--at", "a=2,b=3", "--steps", str(folder)]) == 2
    assert "non-empty folder autonode did not create" in capsys.readouterr().err
    assert snapshot(folder) == before
    with pytest.raises(OutputFolderError, match="did not create"):
        viz.write_backward_steps(expression(), folder)
    assert snapshot(folder) == before


def test_a_rerun_replaces_only_its_own_frames(tmp_path: Path) -> None:
    folder = tmp_path / "frames"
    first = viz.write_backward_steps(expression(), folder)
    assert owned(folder) == sorted(p.name for p in first) and len(first) == 7 + 1
    # the user's files, some with names like autonode's: another numbering, a link, notes
    (folder / "step_500.svg").write_text("<svg>kept</svg>")
    (folder / "step_12345.svg").write_text("<svg>kept too</svg>")
    (folder / "notes.txt").write_text("mine")
    os.symlink(folder / "notes.txt", folder / "step_0001.svg")
    foreign = {name: value for name, value in snapshot(folder).items() if name not in [*owned(folder), MANIFEST]}
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    second = viz.write_backward_steps(a + b, folder)  # 2 steps: 3 frames
    names = ["step_000.svg", "step_001.svg", "step_002.svg", "index.html"]
    assert [p.name for p in second] == names and owned(folder) == sorted(names)
    assert not any((folder / f"step_{k:03d}.svg").exists() for k in range(3, 7))  # its own stale frames went
    after = snapshot(folder)
    assert {name: after.get(name) for name in foreign} == foreign  # every other file as it was
    assert not [p for p in folder.iterdir() if p.name.startswith(STAGING_PREFIX)]


def test_a_name_in_the_way_is_found_before_anything_is_written(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "frames"
    viz.write_backward_steps(expression(), folder)
    (folder / "step_005.svg").unlink()
    (folder / "step_005.svg").mkdir()  # a folder where a frame goes
    (folder / "step_005.svg" / "keep.txt").write_text("mine")
    before = snapshot(folder)
    assert main(["grad", "(a*b + a)*b", "--at", "a=2,b=3", "--steps", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "step_005.svg is a folder" in err and "nothing was written" in err
    assert snapshot(folder) == before  # not one frame replaced, the manifest unchanged


def test_a_link_at_an_owned_name_is_never_followed_or_replaced(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "frames"
    viz.write_backward_steps(expression(), folder)
    precious = tmp_path / "precious.svg"
    precious.write_text("<svg>mine</svg>")
    (folder / "step_004.svg").unlink()
    os.symlink(precious, folder / "step_004.svg")
    before = snapshot(folder)
    assert main(["grad", "(a*b + a)*b", "--at", "a=2,b=3", "--steps", str(folder)]) == 2
    assert "step_004.svg is a symbolic link" in capsys.readouterr().err
    assert snapshot(folder) == before and precious.read_text() == "<svg>mine</svg>"


def test_files_changed_since_autonode_wrote_them_are_the_users(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "frames"
    viz.write_backward_steps(expression(), folder)  # 7 frames and index.html
    (folder / "step_006.svg").write_text("<svg>my annotated last frame</svg>")
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    viz.write_backward_steps(a + b, folder)  # 3 frames: step_003 … step_006 are stale
    assert not (folder / "step_005.svg").exists()  # unchanged: autonode's, removed
    assert (folder / "step_006.svg").read_text() == "<svg>my annotated last frame</svg>"  # edited: the user's
    assert "step_006.svg" not in owned(folder)
    (folder / "index.html").write_text("my notes on this pass")
    before = snapshot(folder)
    assert main(["grad", "a+b", "--at", "a=2,b=3", "--steps", str(folder)]) == 2
    assert "index.html is a file changed since autonode wrote it" in capsys.readouterr().err
    assert snapshot(folder) == before


def test_a_new_folder_is_created_and_removed_again_when_the_run_fails(tmp_path: Path) -> None:
    folder = tmp_path / "new" / "frames"
    with pytest.raises(RuntimeError, match="renderer broke"):
        with viz.outdir.staged_output(folder, "--steps", parents=True) as staging:
            (staging / "step_000.svg").write_text("<svg/>")
            raise RuntimeError("renderer broke")
    assert not folder.exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(RuntimeError):
        with viz.outdir.staged_output(empty) as staging:
            raise RuntimeError("stop")
    assert list(empty.iterdir()) == []  # an empty folder is left empty, without a manifest


def test_stale_staging_of_a_dead_run_is_removed_and_a_live_one_kept(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    write_owned_files(folder, {"a.svg": b"<svg/>"})
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = folder / f"{STAGING_PREFIX}{dead.pid}-x1"
    (stale / "sub").mkdir(parents=True)
    (stale / "sub" / "frame.svg").write_bytes(b"x" * 1000)
    live = folder / f"{STAGING_PREFIX}{os.getppid()}-x2"  # a process that is running: maybe writing right now
    live.mkdir()
    write_owned_files(folder, {"b.svg": b"<svg/>"})
    assert not stale.exists() and live.is_dir()
    assert sorted(p.name for p in folder.iterdir()) == sorted([MANIFEST, "b.svg", live.name])


def test_manifest_entries_outside_the_folder_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    digest = hashlib.sha256(b"keep").hexdigest()
    manifest = {"format": "autonode output folder", "files": {"../victim.txt": [digest]}}
    (folder / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(OutputFolderError, match="not autonode's"):
        write_owned_files(folder, {"a.svg": b"<svg/>"})
    assert victim.read_text() == "keep" and sorted(p.name for p in folder.iterdir()) == [MANIFEST]


def test_demo_with_an_unwritable_parent_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if os.geteuid() == 0:  # root writes anywhere a mode allows; /sys refuses even root
        if not Path("/sys").is_dir():
            pytest.skip("needs a folder the current user cannot write into")
        target = Path("/sys/autonode-report")
    else:
        parent = tmp_path / "locked"
        parent.mkdir()
        parent.chmod(0o555)
        target = parent / "report"
    assert main(["demo", "--quick", "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert f"--out {target}" in err and "choose a folder you can write to" in err and "Traceback" not in err


def _fake_renderer(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A `dot` on PATH that records its pid and then sleeps (it is the process itself: `exec`)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    pid_file = tmp_path / "renderer.pid"
    script = bin_dir / "dot"
    script.write_text(f"#!/bin/sh\necho $$ > {pid_file}\nexec sleep 60\n")
    script.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", "PYTHONPATH": str(REPO)}
    return env, pid_file


def _gone(pid: int) -> bool:
    """True when ``pid`` no longer runs (a zombie awaiting its parent counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split(") ", 1)[1].startswith("Z")
    except FileNotFoundError:
        return True


def _assert_gone_soon(pid: int) -> None:
    """The renderer ``pid`` ends within 5 s of the command (it is killed, not left to finish)."""
    for _ in range(100):
        if _gone(pid):
            return
        time.sleep(0.05)
    raise AssertionError("the renderer outlived the command")


def _wait_for(pid_file: Path, process: subprocess.Popen[bytes]) -> int:
    for _ in range(600):
        if pid_file.exists() and pid_file.read_text().strip():
            return int(pid_file.read_text())
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise AssertionError(f"the renderer never started: {process.communicate()}")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM and a shell script renderer")
def test_sigterm_kills_the_renderer_and_removes_temporary_files(tmp_path: Path) -> None:
    env, pid_file = _fake_renderer(tmp_path)
    frames = tmp_path / "frames"
    command = [sys.executable, "-m", "viz.cli", "grad", "a*b", "--at", "a=2,b=3", "--steps", str(frames)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    renderer = _wait_for(pid_file, process)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 143 and b"terminated" in err and b"Traceback" not in err
    _assert_gone_soon(renderer)
    assert not frames.exists()  # created by this run, so removed with its staging folder
    # the same into a folder of an earlier run that also holds the user's notes: left exactly as it was
    write_owned_files(frames, {"step_000.svg": b"<svg>earlier</svg>", "index.html": b"earlier page"})
    (frames / "notes.txt").write_text("mine")
    before = snapshot(frames)
    pid_file.unlink()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    renderer = _wait_for(pid_file, process)
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=60)
    assert process.returncode == 143 and snapshot(frames) == before


@pytest.mark.skipif(sys.platform == "win32", reason="SIGHUP and a shell script renderer")
def test_sighup_kills_the_renderer_and_removes_temporary_files(tmp_path: Path) -> None:
    """The terminal closing (SIGHUP) cleans up as SIGTERM does: no staging folder, no adopted folder, no renderer."""
    env, pid_file = _fake_renderer(tmp_path)
    frames = tmp_path / "frames"
    command = [sys.executable, "-m", "viz.cli", "grad", "a*b", "--at", "a=2,b=3", "--steps", str(frames)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    renderer = _wait_for(pid_file, process)
    process.send_signal(signal.SIGHUP)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 129 and b"terminated (SIGHUP)" in err and b"Traceback" not in err
    _assert_gone_soon(renderer)
    assert not frames.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "renderer.pid"]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM and a shell script renderer")
def test_sigterm_during_demo_leaves_an_earlier_report_as_it_was(tmp_path: Path) -> None:
    env, pid_file = _fake_renderer(tmp_path)
    report = tmp_path / "report"
    write_owned_files(report, {"index.html": b"earlier report", "expression.svg": b"<svg/>"})
    (report / "notes.txt").write_text("mine")
    before = snapshot(report)
    command = [sys.executable, "-m", "viz.cli", "demo", "--quick", "-o", str(report)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    renderer = _wait_for(pid_file, process)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 143 and b"terminated" in err and b"Traceback" not in err
    _assert_gone_soon(renderer)
    assert snapshot(report) == before  # no staging folder left, nothing replaced
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "renderer.pid", "report"]


@pytest.mark.skipif(sys.platform == "win32", reason="a shell script renderer")
def test_one_time_limit_for_all_frames_stops_the_renderer(tmp_path: Path) -> None:
    env, pid_file = _fake_renderer(tmp_path)
    frames = tmp_path / "frames"
    command = [sys.executable, "-m", "viz.cli", "grad", "a*b", "--at", "a=2,b=3", "--steps", str(frames),
               "--time-limit", "0.5"]
    done = subprocess.run(command, env=env, capture_output=True, timeout=120)
    err = done.stderr.decode()
    assert done.returncode == 1 and "0.5 s time limit for all the drawings" in err and "Traceback" not in err
    assert _gone(int(pid_file.read_text()))
    assert not frames.exists()


@pytest.mark.skipif(sys.platform == "win32", reason="a shell script renderer")
def test_the_time_limit_counts_all_drawings_together(tmp_path: Path) -> None:
    script = tmp_path / "slow-dot"
    script.write_text("#!/bin/sh\ncat > /dev/null\nsleep 0.3\necho '<svg xmlns=\"http://www.w3.org/2000/svg\"/>'\n")
    script.chmod(0o755)
    renderer = viz.Renderer("dot", str(script))
    done = 0
    with pytest.raises(viz.RenderError, match="the 2 s time limit for all the drawings of this command"):
        with viz.render.RenderDeadline(2.0):
            for _ in range(20):  # 20 × 0.3 s: each run alone is far within 2 s, together they are not
                svg, _ = viz.dot_to_svg("digraph { a -> b }", renderer)
                assert svg.startswith(b"<svg")
                done += 1
    assert 1 <= done < 20
