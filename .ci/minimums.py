"""The declared minimum versions, read from pyproject.toml, for CI's minimum-versions job.

    python .ci/minimums.py python   -> the lowest supported Python, e.g. 3.10 (from requires-python)
    python .ci/minimums.py build    -> the build backend at its lower bound, e.g. setuptools==77.0.3
    python .ci/minimums.py pins     -> one name==lowest line per core dependency, the render extra and
                                       the test tools (pytest, hypothesis), for pip's -c and the install

Every core dependency must declare a lower bound (name>=X); a missing one is an error, so a new
dependency cannot slip into the package without its minimum being installed and tested here.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import tomllib

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
TEST_TOOLS = ("pytest", "hypothesis")  # from the dev extra: what running the tests needs
EXTRAS = ("render",)  # the statically linked renderer: the drawing tests need a `dot`, and CI has no system one
LOWER = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*>=\s*([0-9][0-9A-Za-z.]*)\s*(?:,.*)?$")


def lower_bound(requirement: str) -> str:
    """``name>=X[,...]`` -> ``name==X``; SystemExit naming the requirement if it has no lower bound."""
    match = LOWER.match(requirement.split(";")[0])
    if match is None:
        sys.exit(f"pyproject.toml: {requirement!r} declares no lower bound (name>=X); CI must know its minimum")
    return f"{match[1]}=={match[2]}"


def main(what: str) -> None:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    if what == "python":
        match = re.fullmatch(r">=\s*(\d+\.\d+)", project["project"]["requires-python"].strip())
        if match is None:
            sys.exit("pyproject.toml: requires-python must read >=X.Y")
        print(match[1])
    elif what == "build":
        print("\n".join(lower_bound(r) for r in project["build-system"]["requires"]))
    elif what == "pins":
        extras = project["project"]["optional-dependencies"]
        requirements = list(project["project"]["dependencies"])
        requirements += [r for extra in EXTRAS for r in extras[extra]]
        requirements += [r for r in extras["dev"] if re.split(r"[<>=!~ ]", r, maxsplit=1)[0] in TEST_TOOLS]
        print("\n".join(lower_bound(r) for r in requirements))
    else:
        sys.exit(f"usage: {sys.argv[0]} python|build|pins")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "")
