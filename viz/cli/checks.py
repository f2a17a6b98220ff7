"""What a subcommand checks before it starts work: usage errors, output paths, and sizes within limits.

A :class:`UsageError` is bad usage: ``autonode`` prints it under the subcommand's own usage
and exits with status 2. Everything here runs before data is loaded or memory allocated, so a
bad option costs nothing and a bad output path is found before a long run, not after it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from nets.network_checks import MAX_PARAMETERS, parameter_count  # the cap the estimators use too

# the engines that loop in Python: per node (a few Values per weight for every sample, tens of MB per graph
# at 100,000 weights) or per weight (seconds per sample)
MAX_PER_NODE_PARAMETERS = 100_000
PER_NODE_ENGINES = ("scalar", "scalar-fused", "looped", "micrograd")
MAX_SAMPLES = 1_000_000  # generated points for moons, circles, xor
DATASET_SHAPES = {"digits": (64, 10), "moons": (2, 2), "circles": (2, 2), "xor": (2, 2)}
"""Inputs and classes of each data set of nets.datasets, so sizes are checked before one is loaded."""
MAX_DRAWN_EDGES = 1_000_000  # weights drawn by ``draw --sizes``: beyond this the edge limit refuses anyway


class UsageError(Exception):
    """Bad usage of a subcommand: printed with its usage, exit status 2."""


class Terminated(BaseException):
    """The process was sent SIGTERM; raised so every cleanup (temporary files, renderer) runs."""


class HungUp(Terminated):
    """The process was sent SIGHUP (its terminal closed); cleaned up as for SIGTERM."""


def int_list(text: str, option: str, example: str) -> list[int]:
    """``"64,30,10"`` → ``[64, 30, 10]``, or a :class:`UsageError` naming the option and the bad part."""
    values = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        if not (part.isascii() and part.isdigit()) or int(part) < 1:
            raise UsageError(f"{option}: {part[:40]!r} is not a positive integer; write e.g. {example}")
        values.append(int(part))
    return values


def check_parameters(sizes: Sequence[int], option: str, limit: int = MAX_PARAMETERS,
                     engines: Sequence[str] = ()) -> None:
    """Refuse a network with more than ``limit`` parameters (fewer for per-node ``engines``), before allocating."""
    count = parameter_count(sizes)
    per_node = [name for name in engines if name in PER_NODE_ENGINES]
    if per_node and count > min(limit, MAX_PER_NODE_PARAMETERS):
        raise UsageError(
            f"{option}: a {'-'.join(map(str, sizes))} network has {count:,} weights and biases, more than the "
            f"{MAX_PER_NODE_PARAMETERS:,} the engines that loop in Python ({', '.join(per_node)}) handle; choose "
            "smaller layers or the vector engine"
        )
    if count > limit:
        raise UsageError(
            f"{option}: a {'-'.join(map(str, sizes))} network has {count:,} weights and biases, more than the "
            f"{limit:,} this command handles; choose smaller layers"
        )


def check_range(value: int | None, option: str, low: int, high: int, expects: str = "") -> None:
    """Refuse ``value`` outside ``[low, high]`` (None: not given, nothing to check)."""
    if value is not None and not low <= value <= high:
        expects = expects or f"an integer from {low:,}"
        raise UsageError(f"{option} must be {expects} up to {high:,}, got {value:,}")


def check_seed(seed: int, option: str = "--seed") -> None:
    """Refuse a negative seed (numpy's generators take none) before any work starts."""
    if seed < 0:
        raise UsageError(f"{option} must be an integer from 0 (a random seed), got {seed:,}")


SVG_FILE = ("an SVG drawing", (b"<?xml", b"<svg"))
"""What ``-o``/``--svg`` may replace: a description and the beginnings such a file has."""


def writable_file(path: str | os.PathLike[str], option: str,
                  replaces: tuple[str, tuple[bytes, ...]] | None = None) -> Path:
    """Check that a file can be written at ``path`` (its folder exists and is writable; not a folder).

    With ``replaces`` (a description, the beginnings such a file has), an existing non-empty file
    must begin like that, or it is refused: a typo such as ``--svg main.c`` overwrites nothing.
    """
    target = Path(path)
    try:
        os.stat(target)
    except FileNotFoundError:  # nothing there yet (or a symlink to a file still to be made): fine
        pass
    except OSError as error:  # e.g. a loop of symbolic links: found now, not after the work
        raise UsageError(f"{option} {target}: {error.strerror}; choose another path") from None
    parent = Path(os.path.realpath(target)).parent
    if target.is_dir():
        raise UsageError(f"{option} {target} is a folder; give a file name")
    if not parent.is_dir():
        raise UsageError(f"{option} {target}: the folder {parent} does not exist; create it first or choose "
                         "another path")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {target}: the folder {parent} is not writable; choose another path")
    if target.exists() and not os.access(target, os.W_OK):
        raise UsageError(f"{option} {target} exists and is not writable; choose another path")
    if replaces is not None and target.exists():
        kind, beginnings = replaces
        if not target.is_file():
            raise UsageError(f"{option} {target} exists and is not a regular file; choose another path")
        try:
            with open(target, "rb") as stream:
                head = stream.read(256).lstrip(b"\xef\xbb\xbf \t\r\n")
        except OSError as error:
            raise UsageError(f"{option} {target} exists and cannot be read ({error.strerror}); choose another "
                             "path") from None
        if head and not head.startswith(beginnings):
            raise UsageError(f"{option} {target} exists and is not {kind}, so it is left as it is; choose "
                             "another path, or move that file away first")
    return target
