"""``autonode --help`` and a subcommand's usage load no heavy dependency: start-up stays fast.

The subcommands are imported explicitly at start; what they need only to run (scikit-learn,
the training code, matplotlib, PyTorch, micrograd, JAX, tqdm) must be imported by the run itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("sklearn", "scipy", "torch", "matplotlib", "micrograd", "jax", "tqdm", "nets.train", "viz.report")

PROBE = """
import contextlib, io, json, sys
from viz.cli.main import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        main(sys.argv[1:])
    except SystemExit:
        pass
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {h.split(".")[0] for h in HEAVY} and any(
    m == h or m.startswith(h + ".") for h in HEAVY))))
"""


@pytest.mark.parametrize("argv", [["--help"], ["grad", "--help"], ["demo", "--help"], ["bench", "--help"],
                                  ["compare", "--batch", "0"], ["train", "--epochs", "0"],
                                  ["grad", "a*b", "--at", "a=2,b=3"]])
def test_start_up_imports_nothing_heavy(argv: list[str]) -> None:
    done = subprocess.run([sys.executable, "-c", f"HEAVY = {HEAVY!r}\n{PROBE}", *argv], capture_output=True,
                          text=True, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
