"""Replace a file's content atomically, as if it had been edited in place.

:func:`write_atomically` writes the new bytes to a temporary file beside the
target, flushes them to disk and renames the temporary over the target
(``os.replace``), so a reader sees the old file or the new one, never half of
one. Beyond that it behaves like editing the file where it is:

- a symlink stays a symlink: the file it points to gets the new content;
- an existing file keeps its permission bits (and, where allowed, its owner);
  a new file gets the umask's permissions (0666 less the umask), like ``open``;
- the temporary file is removed on every exit path: an exception, Ctrl-C, and a
  SIGTERM or SIGHUP whose default action would have killed the process (the
  signal is delivered again after the cleanup, so the process still ends as it
  would have). Only SIGKILL or a power cut can leave one behind, so each save
  first removes temporaries of earlier saves in the same folder whose process
  is gone. They are recognised by name, ``.<target>.autonode-save.<pid>.<hex>.tmp``,
  and only regular files of this user are touched.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

TEMP_PATTERN = re.compile(r"^\..+\.autonode-save\.(?P<pid>[0-9]+)\.[0-9a-f]{8}\.tmp$")
_FATAL_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class WriteTargetError(OSError):
    """The target cannot be written (missing folder, a directory or device in the way); the message says what to do."""


def temp_name(target_name: str) -> str:
    """The name of this process's temporary file for ``target_name`` (matches :data:`TEMP_PATTERN`)."""
    return f".{target_name}.autonode-save.{os.getpid()}.{secrets.token_hex(4)}.tmp"


def resolve_target(path: str | os.PathLike[str]) -> Path:
    """The file a write to ``path`` must replace: symlinks followed; :class:`WriteTargetError` if it cannot be one."""
    resolved = Path(os.path.realpath(path))
    if resolved.exists() and not resolved.is_file():
        kind = "a directory" if resolved.is_dir() else "not a regular file"
        raise WriteTargetError(f"{path} is {kind}; give a file path instead")
    if not resolved.parent.is_dir():
        raise WriteTargetError(f"{path}: the folder {resolved.parent} does not exist; create it first")
    return resolved


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True  # another thread of this process may be saving right now
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. PermissionError: the process exists under another user
        return True
    return True


def remove_stale_temps(folder: Path) -> list[Path]:
    """Remove temporaries of earlier saves in ``folder`` whose process is gone; returns what was removed."""
    removed: list[Path] = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        match = TEMP_PATTERN.match(name)
        if match is None or _process_alive(int(match["pid"])):
            continue
        path = folder / name
        try:
            info = path.lstat()
            if stat.S_ISREG(info.st_mode) and info.st_uid == os.getuid():
                path.unlink()
                removed.append(path)
        except OSError:  # gone meanwhile, or not ours to remove
            continue
    return removed


@contextlib.contextmanager
def _removed_on_fatal_signal(temp: Path) -> Iterator[None]:
    """Within the block, a SIGTERM/SIGHUP that would kill the process first removes ``temp``, then kills it."""
    if threading.current_thread() is not threading.main_thread():
        yield  # handlers can only be set from the main thread; a stale temp is removed by the next save
        return

    def remove_then_die(signum: int, frame: FrameType | None) -> None:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        signal.signal(signum, signal.SIG_DFL)
        signal.raise_signal(signum)  # the default action, as if this handler had never been set

    installed = []
    for signum in _FATAL_SIGNALS:
        if signal.getsignal(signum) == signal.SIG_DFL:  # a program's own handler or SIG_IGN stays in charge
            signal.signal(signum, remove_then_die)
            installed.append(signum)
    try:
        yield
    finally:
        for signum in installed:
            if signal.getsignal(signum) is remove_then_die:  # unless the program set its own meanwhile
                signal.signal(signum, signal.SIG_DFL)


def _copy_owner_and_mode(fd: int, target: Path) -> None:
    """Give the open temporary ``fd`` the target's mode (and owner where allowed); a new file keeps the umask's."""
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return  # created with mode 0o666, so the kernel applied the umask
    if (info.st_uid, info.st_gid) != (os.getuid(), os.getgid()):
        with contextlib.suppress(OSError):  # only root (or the owner, for the group) may do this
            os.fchown(fd, info.st_uid, info.st_gid)
    os.fchmod(fd, stat.S_IMODE(info.st_mode))


def write_atomically(path: str | os.PathLike[str], data: bytes) -> Path:
    """Replace the content of ``path`` (through any symlink) by ``data`` atomically; returns the file written."""
    target = resolve_target(path)
    folder = target.parent
    remove_stale_temps(folder)
    temp = folder / temp_name(target.name)
    with _removed_on_fatal_signal(temp):
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
            try:
                _copy_owner_and_mode(fd, target)
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(temp, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
    _sync_folder(folder)
    return target


def _sync_folder(folder: Path) -> None:
    """Flush the rename to disk too (POSIX); where folders cannot be opened this is skipped."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
