"""What ``autonode demo`` says while it builds: a progress bar with ETA per section on a terminal, lines otherwise.

Sections call :meth:`ReportProgress.update` as their work advances (chunks trained, engines
timed). On a TTY each section gets a tqdm bar (done/total, elapsed, ETA); elsewhere
(a log, a pipe) a line is printed at each section start and then at most every
``every`` seconds, with the section's ETA. A heartbeat thread makes sure no stretch of work
stays silent: after ``quiet`` seconds without output (one long step, such as importing
PyTorch on a busy machine) it repeats the current line, or refreshes the bar's clock.
The two threads share the state under one lock. :meth:`ReportProgress.loading` covers the
imports before the first section (scikit-learn and the engines take a few seconds on a busy
machine). This module imports nothing heavy (tqdm only when a bar is drawn), so the command line
can show it before those imports.
"""

from __future__ import annotations

import shutil
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO


class ReportProgress:
    """Progress of one report run, written to ``stream`` (``tty`` None: ask the stream)."""

    def __init__(self, stream: TextIO | None = None, tty: bool | None = None, every: float = 1.0,
                 quiet: float = 2.0) -> None:
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.tty = bool(isatty()) if tty is None and isatty is not None else bool(tty)
        self.every = every
        self.start = time.perf_counter()
        self._bar: Any = None
        self._title = ""
        self._section_start = self.start
        self._last_line = self.start
        self._done = 0
        self._total: int | None = None
        self._what = ""
        self.quiet = quiet
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._heart: threading.Thread | None = None

    def section(self, title: str, index: int, count: int, total: int | None = None) -> None:
        """A new section begins (the previous one's bar is closed); ``total``: its steps, if known."""
        with self._lock:
            self._close_bar()
            self._title = f"{index}/{count} {title}"
            self._section_start = time.perf_counter()
            self._done, self._total, self._what = 0, total, ""
            if self.tty:
                from tqdm import tqdm  # loaded when a bar is first drawn: the command line starts without it

                size = shutil.get_terminal_size((100, 24))  # a terminal reporting a 0×0 size gets 100×24
                self._bar = tqdm(total=total, desc=self._title, file=self.stream, leave=True, ncols=size.columns,
                                 nrows=size.lines, unit="step")
            else:
                self._line("")
        self._start_heart()

    @contextmanager
    def loading(self, what: str) -> Iterator[None]:
        """A line saying ``what`` is loading, the heartbeat speaking up while it does; stopped on the way out."""
        with self._lock:
            self._title, self._total, self._what = what, None, ""
            self._section_start = time.perf_counter()
            self._line("")
        self._start_heart()
        try:
            yield
        finally:
            self.close()

    def _start_heart(self) -> None:
        if self._heart is None:
            self._stop = threading.Event()
            self._heart = threading.Thread(target=self._beat, name="report-progress", daemon=True)
            self._heart.start()

    def update(self, done: int, total: int | None = None, what: str = "") -> None:
        """``done`` of ``total`` steps of the current section finished (``what``: the step just done)."""
        with self._lock:
            if total is not None:
                self._total = total
            self._done = done
            self._what = what or self._what
            if self._bar is not None:
                if total is not None and self._bar.total != total:
                    self._bar.total = total
                self._bar.n = done
                if what:
                    self._bar.set_postfix_str(what, refresh=False)
                self._bar.refresh()
                self._last_line = time.perf_counter()
                return
            if time.perf_counter() - self._last_line >= self.every:
                self._line(what)

    def _beat(self) -> None:
        """The heartbeat: speak up after ``quiet`` seconds of silence, until :meth:`close`."""
        stop = self._stop
        while not stop.wait(0.25):
            with self._lock:
                if time.perf_counter() - self._last_line < self.quiet or not self._title:
                    continue
                if self._bar is not None:
                    self._bar.refresh()
                    self._last_line = time.perf_counter()
                else:
                    self._line(f"{self._what}, still working" if self._what else "still working")

    def _line(self, what: str) -> None:
        now = time.perf_counter()
        self._last_line = now
        text = f"  [{now - self.start:5.1f}s] {self._title}"
        if self._total:
            text += f": {self._done}/{self._total}"
            elapsed = now - self._section_start
            if 0 < self._done < self._total and elapsed > 0:
                text += f", about {elapsed * (self._total - self._done) / self._done:.0f}s left"
        if what:
            text += f" ({what})"
        print(text, file=self.stream, flush=True)

    def _close_bar(self) -> None:
        if self._bar is not None:
            if self._total:
                self._bar.n = self._total
            self._bar.close()
            self._bar = None

    def close(self) -> None:
        """The run is over: finish the current bar and stop the heartbeat."""
        self._stop.set()
        if self._heart is not None:
            self._heart.join()
            self._heart = None
        with self._lock:
            self._close_bar()
            self._title = ""


class Silent(ReportProgress):
    """No output and no heartbeat (library use and tests)."""

    def section(self, title: str, index: int, count: int, total: int | None = None) -> None:
        self._title = title

    @contextmanager
    def loading(self, what: str) -> Iterator[None]:
        yield

    def update(self, done: int, total: int | None = None, what: str = "") -> None:
        pass
