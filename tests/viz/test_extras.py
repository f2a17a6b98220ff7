"""A missing optional engine is explained with the command that adds it (the page: tests/viz/test_report.py).

The commands are checked against pyproject.toml itself: each named extra exists there and lists the
package providing the engine, and ``.[all]`` is the README's second install command.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from viz.extras import ALL, install_command, install_hint

ROOT = Path(__file__).parents[2]


def _extras() -> dict[str, list[str]]:
    """pyproject.toml's ``[project.optional-dependencies]`` (read by hand: tomllib needs Python 3.11)."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    section = text.split("[project.optional-dependencies]", 1)[1].split("\n[", 1)[0]
    extras: dict[str, list[str]] = {}
    lines = [line for line in section.splitlines() if not line.lstrip().startswith("#")]
    for i, line in enumerate(lines):
        found = re.match(r"(\w+)\s*=\s*(\[.*)", line)
        if found:
            for end in range(i + 1, len(lines) + 1):  # the list may run over several lines
                try:
                    extras[found.group(1)] = ast.literal_eval(" ".join([found.group(2), *lines[i + 1:end]]))
                    break
                except SyntaxError:
                    continue
    return extras


EXTRAS = _extras()
# a module that is missing → the distribution pip must install for it
PROVIDER = {"micrograd": "micrograd", "pytorch": "torch", "jax": "jax"}
# blocks the import of the named modules, then runs the autonode command line
BLOCKED_RUN = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
sys.meta_path.insert(0, Block())
from viz.cli.main import main
sys.exit(main({argv!r}))
"""


@pytest.mark.parametrize("engine", sorted(PROVIDER))
def test_each_engine_is_named_with_the_extra_that_installs_it(engine: str) -> None:
    command = install_command(engine)
    found = re.fullmatch(r"pip install -e '\.\[(\w+)\]'", command)
    assert found, command
    listed = [re.split(r"[<>=\[ ]", requirement)[0] for requirement in EXTRAS[found.group(1)]]
    assert PROVIDER[engine] in listed
    assert ALL in install_hint(engine)


def test_every_extra_is_in_all_and_all_is_the_readme_command() -> None:
    assert ALL == "pip install -e '.[all]'"
    assert "pip install -e '.[all]'" in (ROOT / "README.md").read_text(encoding="utf-8")
    bundled = re.fullmatch(r"autonode\[(.*)\]", EXTRAS["all"][0])
    assert bundled, EXTRAS["all"]
    for extra in ("bench", "torch", "jax"):
        assert extra in bundled.group(1).split(",")


def _run_without(blocked: tuple[str, ...], argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    code = BLOCKED_RUN.format(blocked=blocked, argv=argv)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=cwd)


def test_compare_names_the_extra_for_each_missing_engine(tmp_path: Path) -> None:
    done = _run_without(("torch", "jax", "jaxlib"), ["compare", "--quick", "--no-bench", "--engines", "vector",
                                                     "pytorch", "jax"], ROOT)
    assert done.returncode == 0, done.stderr
    assert "pytorch not installed: pip install -e '.[torch]' adds it" in done.stdout
    assert "jax not installed: pip install -e '.[jax]' adds it" in done.stdout


def _readme_form(command: str) -> str:
    """The extra a hint installs, when the hint has the README's form ``pip install -e '.[EXTRA]'``."""
    first = next(line for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
                 if "pip install -e '.[" in line)
    assert "pip install -e '.[render,plot]'" in first  # the README's first install command
    found = re.search(r"pip install -e '\.\[(\w+)\]'", command)
    assert found, f"{command!r} is not worded as the README installs autonode: pip install -e '.[EXTRA]'"
    return found.group(1)


def test_renderer_plot_and_bench_hints_name_the_extra_as_the_readme_installs_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from nets.experiments.engine_bench import available_engines, random_weights
    from viz.plots import PLOT_HINT
    from viz.render import INSTALL_HINT

    for module in ("micrograd", "micrograd.engine", "micrograd.nn"):
        monkeypatch.setitem(sys.modules, module, None)  # None in sys.modules: the import fails, as uninstalled
    _, note = available_engines(random_weights(seed=0))
    for hint, package in ((INSTALL_HINT, "graphviz-pure"), (PLOT_HINT, "matplotlib"), (str(note), "micrograd")):
        listed = [re.split(r"[<>=\[ ]", requirement)[0] for requirement in EXTRAS[_readme_form(hint)]]
        assert package in listed, (hint, listed)
