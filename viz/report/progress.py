"""What the report says while it builds: one progress bar with ETA per section on a terminal, plain lines otherwise.

Sections call :meth:`ReportProgress.update` as their work advances (chunks trained, engines
timed). On a TTY each section gets a tqdm bar (done/total, elapsed, ETA); elsewhere
(a log, a pipe) a line is printed at each section start and then at most every
``every`` seconds, with the section's ETA, so no stretch of work stays silent long.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from tqdm import tqdm


class ReportProgress:
    """Progress of one report run, written to ``stream`` (``tty`` None: ask the stream)."""

    def __init__(self, stream: TextIO | None = None, tty: bool | None = None, every: float = 1.0) -> None:
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

    def section(self, title: str, index: int, count: int, total: int | None = None) -> None:
        """A new section begins (the previous one's bar is closed); ``total``: its steps, if known."""
        self.close()
        self._title = f"{index}/{count} {title}"
        self._section_start = time.perf_counter()
        self._done, self._total = 0, total
        if self.tty:
            self._bar = tqdm(total=total, desc=self._title, file=self.stream, leave=True, dynamic_ncols=True)
        else:
            self._line("")

    def update(self, done: int, total: int | None = None, what: str = "") -> None:
        """``done`` of ``total`` steps of the current section finished (``what``: the step just done)."""
        if total is not None:
            self._total = total
        self._done = done
        if self._bar is not None:
            if total is not None and self._bar.total != total:
                self._bar.total = total
            self._bar.n = done
            if what:
                self._bar.set_postfix_str(what, refresh=False)
            self._bar.refresh()
            return
        if time.perf_counter() - self._last_line >= self.every:
            self._line(what)

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

    def close(self) -> None:
        """Finish the current section's bar."""
        if self._bar is not None:
            if self._total:
                self._bar.n = self._total
            self._bar.close()
            self._bar = None


class Silent(ReportProgress):
    """No output (library use and tests)."""

    def section(self, title: str, index: int, count: int, total: int | None = None) -> None:
        self._title = title

    def update(self, done: int, total: int | None = None, what: str = "") -> None:
        pass
