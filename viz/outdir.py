"""Output folders autonode writes into: only its own files, recognisably, and nobody else's.

A folder autonode writes (a report, backward-pass frames) holds a manifest, ``.autonode-files.json``,
naming the files autonode wrote there with the SHA-256 of what it wrote. Before anything is written:

- a missing or empty folder is created or adopted, and the manifest is written first;
- a non-empty folder without a manifest is refused (:class:`OutputFolderError`): it is somebody else's;
- a name about to be written that exists but is not in the manifest, or whose content changed since
  autonode wrote it (or is a folder, or a symbolic link) is refused too, before any file moves.

A run writes its files into a staging folder inside the target (``.autonode-staging-<pid>-<random>``),
then moves each into place with ``os.replace`` (each file appears whole or not at all). While files move
the manifest names the old files and the new; afterwards only the new. Files of the previous run
that this run did not write are removed if they are still as autonode wrote them; every other file
is left alone. The staging folder goes
away on every exit path (the CLI turns SIGTERM into an exception); one left by a run that was killed
outright (its process no longer exists) is removed by the next run into the same folder
(not on Windows, where a process cannot be probed without signalling it).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TypeAlias

MANIFEST = ".autonode-files.json"
STAGING_PREFIX = ".autonode-staging-"
FORMAT = "autonode output folder"
HOW_TO_PROCEED = "choose an empty or new folder, or remove it yourself"
Owned: TypeAlias = dict[str, set[str]]  # file name → SHA-256 digests autonode accepts as its own content


class OutputFolderError(ValueError):
    """The folder cannot be written without touching files autonode did not write; the message says why."""


def _is_plain_name(name: object) -> bool:
    return isinstance(name, str) and name not in ("", ".", "..", MANIFEST) and "/" not in name \
        and "\\" not in name and "\0" not in name and not name.startswith(STAGING_PREFIX)


def _digest(path: Path) -> str:
    """SHA-256 of a file's content, hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _is_digest(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def read_manifest(folder: Path, option: str) -> Owned | None:
    """The files autonode wrote in ``folder`` (name → digests) per its manifest; None when there is none."""
    path = folder / MANIFEST
    try:
        info = path.lstat()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise OutputFolderError(f"{option} {folder}: cannot read {MANIFEST}: {error.strerror}") from None
    if not stat.S_ISREG(info.st_mode) or info.st_size > 10_000_000:
        raise OutputFolderError(f"{option} {folder}: {MANIFEST} is not a file autonode wrote; {HOW_TO_PROCEED}")
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        content = None
    files = content.get("files") if isinstance(content, dict) and content.get("format") == FORMAT else None
    if not isinstance(files, dict) or not all(
            _is_plain_name(name) and isinstance(digests, list) and all(map(_is_digest, digests))
            for name, digests in files.items()):
        raise OutputFolderError(f"{option} {folder}: {MANIFEST} is unreadable or not autonode's; {HOW_TO_PROCEED}")
    return {name: set(digests) for name, digests in files.items()}


def _write_manifest(folder: Path, owned: Mapping[str, Iterable[str]]) -> None:
    """Write the manifest atomically (temporary file in the folder, then ``os.replace``)."""
    files = {name: sorted(owned[name]) for name in sorted(owned)}
    text = json.dumps({"format": FORMAT, "files": files}, indent=1) + "\n"
    fd, temp = tempfile.mkstemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", suffix=".json", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temp, 0o644)
        os.replace(temp, folder / MANIFEST)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise


def _check_name(folder: Path, name: str, owned: Owned, option: str) -> None:
    """Refuse writing ``name`` when something autonode did not write is there."""
    path = folder / name
    try:
        info = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode):
        kind = "a symbolic link"
    elif stat.S_ISDIR(info.st_mode):
        kind = "a folder"
    elif not stat.S_ISREG(info.st_mode):
        kind = "a special file"
    elif name not in owned:
        kind = "a file autonode did not write"
    elif _digest(path) not in owned[name]:
        kind = "a file changed since autonode wrote it"
    else:
        return
    raise OutputFolderError(
        f"{option} {folder}: {name} is {kind} and would be replaced; it is left alone and nothing was written: "
        f"{HOW_TO_PROCEED}"
    )


def check_folder(folder: str | os.PathLike[str], option: str = "output folder",
                 names: Iterable[str] = ()) -> Owned:
    """Refuse ``folder`` unless autonode may write ``names`` there; return the names it owns there now.

    Allowed: a missing folder whose parent exists (or, for a nested path, can be created), an empty
    folder, or a folder with autonode's manifest where each of ``names`` is absent or autonode's file.
    """
    path = Path(folder)
    if not path.exists():
        if path.is_symlink():
            raise OutputFolderError(f"{option} {path} is a broken symbolic link; {HOW_TO_PROCEED}")
        return {}
    if not path.is_dir():
        raise OutputFolderError(f"{option} {path} exists and is not a directory; choose a new folder name")
    owned = read_manifest(path, option)
    if owned is None:
        try:
            entries = next(os.scandir(path), None)
        except OSError as error:
            raise OutputFolderError(f"{option} {path}: cannot list it: {error.strerror}") from None
        if entries is not None:
            raise OutputFolderError(
                f"{option} {path} is a non-empty folder autonode did not create (it has no {MANIFEST}); "
                f"it is left alone: {HOW_TO_PROCEED}"
            )
        return {}
    for name in names:
        _check_name(path, name, owned, option)
    return owned


def _process_alive(pid: int) -> bool:
    """Whether ``pid`` runs (signal 0 checks without signalling; on Windows it would terminate, so assume yes)."""
    if sys.platform == "win32":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_staging(folder: Path) -> list[str]:
    """Remove staging folders and files left by autonode runs whose process no longer exists."""
    removed = []
    for entry in os.scandir(folder):
        if not entry.name.startswith(STAGING_PREFIX):
            continue
        pid_text = entry.name[len(STAGING_PREFIX):].split("-", 1)[0]
        if not pid_text.isdigit() or int(pid_text) == os.getpid() or _process_alive(int(pid_text)):
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        elif entry.is_file(follow_symlinks=False):
            os.unlink(entry.path)
        else:
            continue
        removed.append(entry.name)
    return removed


def _prepare(path: Path, option: str, parents: bool) -> tuple[bool, bool]:
    """Create ``path`` if missing and give it a manifest if it has none: (folder created, manifest written)."""
    created = False
    if not path.exists():
        if not parents and not path.parent.is_dir():
            raise OutputFolderError(f"{option} {path}: the parent folder {path.parent} does not exist; create it "
                                    "first or choose another path")
        try:
            path.mkdir(parents=parents)
        except OSError as error:
            raise OutputFolderError(f"{option} {path}: cannot create the folder: {error.strerror}; "
                                    "choose a folder you can write to") from None
        created = True
    if (path / MANIFEST).exists():
        return created, False
    try:
        _write_manifest(path, {})
    except OSError as error:
        if created:
            path.rmdir()
        raise OutputFolderError(f"{option} {path}: cannot write into the folder: {error.strerror}; "
                                "choose a folder you can write to") from None
    return created, True


def _commit(path: Path, staging: Path, option: str) -> list[Path]:
    """Move every file of ``staging`` into ``path``; remove the previous run's files this run did not write."""
    new = {entry.name: _digest(Path(entry.path)) for entry in sorted(os.scandir(staging), key=lambda e: e.name)}
    owned = check_folder(path, option, new)  # re-read: nothing has moved yet if this refuses
    moving = {name: owned.get(name, set()) | ({new[name]} if name in new else set()) for name in {*owned, *new}}
    _write_manifest(path, moving)  # old and new content both autonode's while files move
    for name in new:
        os.replace(staging / name, path / name)
    for name in sorted(set(owned) - set(new)):  # the previous run's files, if still as autonode wrote them
        stale = path / name
        try:
            if stat.S_ISREG(stale.lstat().st_mode) and _digest(stale) in owned[name]:
                stale.unlink()
        except FileNotFoundError:
            pass
    _write_manifest(path, {name: {digest} for name, digest in new.items()})
    return [path / name for name in new]


@contextmanager
def staged_output(folder: str | os.PathLike[str], option: str = "output folder", names: Iterable[str] = (),
                  parents: bool = False) -> Iterator[Path]:
    """Give a staging folder to write a run's files into; on success they replace the previous run's.

    ``names`` (known in advance) are checked before the folder is touched. On any exception the staging
    folder is removed, a folder this call created is removed again, and nothing in ``folder`` changes.
    """
    path = Path(folder)
    check_folder(path, option, names)
    created, adopted = _prepare(path, option, parents)
    committed = False
    staging: Path | None = None
    try:
        remove_stale_staging(path)
        staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=path))
        yield staging
        _commit(path, staging, option)
        committed = True
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        if adopted and not committed:  # leave a folder as it was found: no manifest, or no folder at all
            try:
                (path / MANIFEST).unlink()
                if created:
                    path.rmdir()
            except OSError:
                pass


def write_owned_files(folder: str | os.PathLike[str], files: Mapping[str, bytes], option: str = "output folder",
                      parents: bool = False) -> list[Path]:
    """Write ``files`` (name → content) into ``folder`` as described in the module docstring; their paths."""
    for name in files:
        if not _is_plain_name(name):
            raise ValueError(f"output file names must be plain names, got {name!r}")
    with staged_output(folder, option, files, parents) as staging:
        for name, data in files.items():
            (staging / name).write_bytes(data)
    return [Path(folder) / name for name in files]
