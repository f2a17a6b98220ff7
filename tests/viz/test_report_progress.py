"""What ``autonode demo`` prints while it builds: a line per section and per step when not on a terminal, a
heartbeat when one step runs long, a tqdm bar with ETA on a terminal."""

from __future__ import annotations

import io
import time

from viz.progress import ReportProgress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_name_the_section_its_steps_and_what_is_left() -> None:
    out = io.StringIO()
    progress = ReportProgress(out, every=0.0, quiet=60.0)
    progress.section("Digits", 4, 6)
    progress.update(10, 30, "tutorial recipe, epoch 10/30")
    progress.close()
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].endswith("] 4/6 Digits")
    assert "4/6 Digits: 10/30, about " in lines[1] and lines[1].endswith("s left (tutorial recipe, epoch 10/30)")


def test_a_long_silent_step_gets_a_heartbeat_line() -> None:
    out = io.StringIO()
    progress = ReportProgress(out, every=0.0, quiet=0.2)
    progress.section("Engines", 5, 6)
    progress.update(0, 6, "loading PyTorch")
    time.sleep(0.7)  # one long step: nothing reported by the section meanwhile
    progress.close()
    beats = [line for line in out.getvalue().splitlines() if "still working" in line]
    assert beats and all("5/6 Engines" in line and "loading PyTorch" in line for line in beats)
    before = out.getvalue()
    time.sleep(0.4)
    assert out.getvalue() == before  # closed: the heartbeat has stopped


def test_a_terminal_gets_a_bar_with_the_count() -> None:
    out = Terminal()
    progress = ReportProgress(out)
    progress.section("Digits", 4, 6)
    progress.update(15, 30, "epoch 15/30")
    progress.close()
    text = out.getvalue()
    assert "4/6 Digits" in text and "30/30" in text and "|" in text  # tqdm's bar, completed on close


def test_loading_speaks_up_while_a_slow_import_runs_and_then_stops() -> None:
    out = io.StringIO()
    progress = ReportProgress(out, every=0.0, quiet=0.2)
    with progress.loading("loading numpy, scikit-learn and the engines"):
        time.sleep(0.7)  # a slow import
    lines = out.getvalue().splitlines()
    assert lines[0].endswith("] loading numpy, scikit-learn and the engines")
    assert len(lines) >= 2 and all("still working" in line for line in lines[1:])
    after = out.getvalue()
    time.sleep(0.4)
    assert out.getvalue() == after  # the heartbeat stopped with the block
    progress.section("Walkthrough", 1, 8)  # and a section starts it again
    time.sleep(0.5)
    progress.close()
    assert "1/8 Walkthrough" in out.getvalue().splitlines()[-1]
