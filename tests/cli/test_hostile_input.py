"""Every subcommand against bad paths, bad numbers, odd expressions and mistyped options.

Each case runs the command in-process and checks the exit status (2: bad usage, naming the
option, under the subcommand's own usage; 1: the run failed; 0: done), a message naming the
problem, and that no traceback was printed. Everything is refused before work starts, so the
whole file takes seconds.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import viz
from autonode import Value
from viz.cli.main import main

MISSING_DIR = "/nonexistent-autonode-dir/sub"
REPO = Path(__file__).resolve().parents[2]


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Exit status, stdout, stderr of ``autonode ARGV`` (argparse's own errors exit through SystemExit)."""
    try:
        code = main(argv)
    except SystemExit as stop:
        code = int(stop.code or 0)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "Traceback" not in captured.out
    return code, captured.out, captured.err


@pytest.fixture
def paths(tmp_path: Path) -> dict[str, str]:
    a_file = tmp_path / "a_file.txt"
    a_file.write_text("not json {")
    foreign = tmp_path / "project"
    foreign.mkdir()
    (foreign / "main.c").write_text("int main(void) { return 0; }\n")
    (tmp_path / "loop_a").symlink_to("loop_b")
    (tmp_path / "loop_b").symlink_to("loop_a")
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    return {"file": str(a_file), "dir": str(tmp_path), "deep": str(deep), "loop": str(tmp_path / "loop_a"),
            "foreign": str(foreign),
            "svg": str(tmp_path / "out.svg"), "missing": f"{MISSING_DIR}/x.json", "missing_svg": f"{MISSING_DIR}/x.svg"}


# (argv with {placeholders}, exit status, a fragment the message must contain)
CASES = [
    # the top level
    (["nope"], 2, "invalid choice: 'nope'"),
    ([], 2, "usage: autonode"),
    # grad: the expression, the values, the paths, the time limit
    (["grad", "x", "--at", "a=2", "b=3"], 2, "give several values as one word separated by commas"),
    (["grad", "a+", "--at", "a=1"], 2, "autonode grad: error:"),
    (["grad", "a", "--at", "a=abc"], 2, "abc"),
    (["grad", "a*b", "--at", "a=1"], 2, "no value given for b"),
    (["grad", "log(x)", "--at", "x=-1"], 2, "log needs a positive operand"),
    (["grad", "a", "--at", "a=1", "--svg", "{missing_svg}"], 2, "does not exist"),
    (["grad", "a", "--at", "a=1", "--svg", "{dir}"], 2, "is a folder"),
    (["grad", "a", "--at", "a=1", "--svg", "{loop}"], 2, "Too many levels of symbolic links"),
    (["compare", "--quick", "--no-bench", "--engines", "vector", "--json", "{loop}"], 2, "Too many levels of symbolic"),
    (["grad", "a", "--at", "a=1", "--steps", "{file}"], 2, "is not a directory"),
    (["grad", "a", "--at", "a=1", "--steps", "{foreign}"], 2, "remove it yourself"),
    (["grad", "a", "--at", "a=1", "--time-limit", "0"], 2, "--time-limit must be a positive number"),
    (["grad", "a", "--at", "a=1", "--time-limit", "nan"], 2, "--time-limit must be a positive number"),
    (["grad", "a", "--at", "a=1", "--time-limit", "soon"], 2, "--time-limit: invalid float value"),
    # demo: mistyped options, unusable folders
    (["demo", "--quik"], 2, "unrecognized arguments: --quik"),
    (["demo", "--quick", "--full"], 2, "not allowed with argument"),
    (["demo", "--quick", "-o", "{file}"], 2, "is not a directory"),
    (["demo", "--quick", "-o", "{foreign}"], 2, "non-empty folder autonode did not create"),
    (["demo", "--quick", "-o", f"{MISSING_DIR}/report"], 2, "does not exist"),
    (["demo", "--quick", "--seed", "-1", "-o", "{dir}/r"], 2, "seed must be a non-negative integer"),
    # train: sizes and the --save path, all before any data is loaded
    (["train", "--save", "{missing}", "--dataset", "xor", "--quiet"], 2, "--save"),
    (["train", "--save", "{dir}", "--dataset", "xor", "--quiet"], 2, "is a folder"),
    (["train", "--dataset", "moons", "--samples", "100000000"], 2, "--samples must be"),
    (["train", "--hidden", "100000", "100000"], 2, "weights and biases"),
    (["train", "--hidden", "3", "0"], 2, "--hidden"),
    (["train", "--engine", "scalar", "--hidden", "1000", "1000"], 2, "engines that loop in Python (scalar) handle"),
    (["train", "--epochs", "many"], 2, "--epochs: invalid int value"),
    (["train", "--epochs", "0"], 2, "--epochs must be a positive integer"),
    (["train", "--batch-size", "-1"], 2, "--batch-size must be"),
    (["train", "--lr", "-1", "--epochs", "1"], 2, "lr"),
    (["train", "--engine", "gpu"], 2, "invalid choice: 'gpu'"),
    (["train", "--seed", "-1"], 2, "--seed must be an integer from 0"),
    (["train", "--dataset", "xor", "--hidden", "100000", "100000"], 2, "a 2-100000-100000-2 network"),
    (["compare", "--dataset", "moons", "--hidden", "3000", "3000"], 2, "a 2-3000-3000-2 network"),
    (["train", "--tol", "nan", "--n-iter-no-change", "2"], 2, "--tol must be a finite number >= 0"),
    (["train", "--n-iter-no-change", "0"], 2, "--n-iter-no-change must be a positive integer"),
    (["train", "--power-t", "inf", "--schedule", "invscaling"], 2, "--power-t must be a finite number >= 0"),
    # (t+1)**1e20 is past the largest float at the second epoch: the run fails with a message
    (["train", "--dataset", "xor", "--quiet", "--epochs", "3", "--schedule", "invscaling", "--power-t", "1e20"], 1,
     "grew past the largest float"),
    # compare: sizes and the --json path before anything runs
    (["compare", "--batch", "0"], 2, "--batch must be a positive integer"),
    (["compare", "--batch", "-5"], 2, "--batch must be a positive integer"),
    (["compare", "--json", "{missing}", "--quick", "--no-bench"], 2, "--json"),
    (["compare", "--json", "{dir}", "--quick", "--no-bench"], 2, "is a folder"),
    (["compare", "--hidden", "100000", "100000"], 2, "weights and biases"),
    (["compare", "--hidden", "0"], 2, "--hidden"),
    (["compare", "--hidden", "2000"], 2, "(scalar, scalar-fused, looped, micrograd) handle"),
    (["compare", "--activation", "nope", "--quick", "--no-bench"], 2, "nope"),
    (["compare", "--engines", "gpu"], 2, "invalid choice: 'gpu'"),
    (["compare", "--seed", "-1"], 2, "--seed must be an integer from 0"),
    # draw: sizes checked before any weight exists, paths, the option that goes with each source
    (["draw", "--sizes", "64,abc", "-o", "{svg}"], 2, "--sizes: 'abc' is not a positive integer"),
    (["draw", "--sizes", "64,-3", "-o", "{svg}"], 2, "--sizes"),
    (["draw", "--sizes", "5", "-o", "{svg}"], 2, "at least two layer sizes"),
    (["draw", "--sizes", "100000,100000", "-o", "{svg}"], 2, "weights and biases"),
    (["draw", "--sizes", "100,80,10", "-o", "{svg}"], 1, "8890 edges"),
    (["draw", "--sizes", "64,30,10"], 2, "--sizes needs -o FILE.svg"),
    (["draw", "--model", "{file}"], 2, "--model needs -o FILE.svg"),
    (["draw", "--sizes", "3,2", "-o", "{missing_svg}"], 2, "does not exist"),
    (["draw", "--sizes", "3,2", "-o", "{dir}"], 2, "is a folder"),
    (["draw", "--sizes", "3,2", "-o", "{svg}", "--steps", "{dir}/s"], 2, "--steps and --collapse go with --expr"),
    (["draw", "--model", "{missing}", "-o", "{svg}"], 1, "x.json"),
    (["draw", "--model", "{file}", "-o", "{svg}"], 1, "a_file.txt"),
    (["draw", "--model", "{dir}", "-o", "{svg}"], 1, "autonode draw:"),
    (["draw", "--history", "{file}", "-o", "{svg}"], 2, "cannot read a loss history"),
    (["draw", "--history", "{missing}", "-o", "{svg}"], 2, "cannot read a loss history"),
    (["draw", "--history", "{deep}", "-o", "{svg}"], 2, "nests lists too deeply"),
    (["draw", "--expr", "a*b", "--at", "a=1"], 2, "--expr needs -o FILE.svg and/or --steps DIR"),
    (["draw", "--expr", "a*", "--at", "a=1", "-o", "{svg}"], 2, "autonode draw: error:"),
    (["draw", "--expr", "a", "--at", "a=1", "--steps", "{foreign}"], 2, "remove it yourself"),
    (["draw", "--figures", "{file}"], 2, "is not a directory"),
    (["draw", "--figures", "{foreign}"], 2, "remove it yourself"),
    (["draw", "--threshold", "lots", "--sizes", "3,2", "-o", "{svg}"], 2, "--threshold: invalid float value"),
    (["draw"], 2, "one of the arguments"),
    # bench and walkthrough
    (["bench"], 2, "the following arguments are required: target"),
    (["bench", "gpu"], 2, "invalid choice: 'gpu'"),
    (["walkthrough", "--section", "nope"], 2, "invalid choice: 'nope'"),
    (["walkthrough", "--seed", "x"], 2, "--seed: invalid int value"),
    (["walkthrough", "--seed", "-1"], 2, "--seed must be an integer from 0"),
]


@pytest.mark.parametrize("argv,code,fragment", CASES, ids=[" ".join(c[0])[:60] or "(none)" for c in CASES])
def test_bad_input_is_a_message_with_the_right_exit_status(
    argv: list[str], code: int, fragment: str, paths: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    words = [word.format(**paths) for word in argv]
    before = sorted(p.name for p in Path(paths["foreign"]).iterdir())
    status, out, err = run_cli(words, capsys)
    assert status == code, (out, err)
    assert fragment in err, err
    assert sorted(p.name for p in Path(paths["foreign"]).iterdir()) == before  # a folder not ours: untouched
    if code == 2 and words and words[0] in ("grad", "demo", "train", "compare", "draw", "bench", "walkthrough"):
        assert f"usage: autonode {words[0]}" in err or f"autonode {words[0]}: " in err


@pytest.mark.parametrize("argv", [
    ["grad", "a*b", "--at", "a=1,b=2", "--svg", "{target}"],
    ["draw", "--sizes", "3,2", "-o", "{target}"],
    ["draw", "--expr", "a*b", "--at", "a=1,b=2", "-o", "{target}"],
    ["compare", "--quick", "--no-bench", "--dataset", "xor", "--engines", "vector", "--json", "{target}"],
], ids=["grad --svg", "draw --sizes -o", "draw --expr -o", "compare --json"])
def test_a_single_output_file_never_replaces_a_file_of_another_kind(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A typo such as ``--svg main.c``, directly or through a symlink: refused, the file byte for byte as it was."""
    source = tmp_path / "main.c"
    source.write_text("int main(void) { return 0; }\n")
    link = tmp_path / "link.svg"
    link.symlink_to(source.name)
    for target in (source, link):
        status, _, err = run_cli([word.format(target=target) for word in argv], capsys)
        assert status == 2 and f"{target} exists and is not" in err and "left as it is" in err, err
        assert source.read_text() == "int main(void) { return 0; }\n" and link.is_symlink()


def test_an_svg_output_replaces_an_svg_through_its_symlink_and_keeps_its_mode(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drawing = tmp_path / "drawings" / "old.svg"
    drawing.parent.mkdir()
    drawing.write_text('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>\n')
    drawing.chmod(0o640)
    link = tmp_path / "graph.svg"
    link.symlink_to(drawing)
    status, _, err = run_cli(["grad", "a*b", "--at", "a=1,b=2", "--svg", str(link)], capsys)
    assert status == 0, err
    assert link.is_symlink() and drawing.read_text().count("<svg") == 1
    assert "<title>" in drawing.read_text() and (drawing.stat().st_mode & 0o777) == 0o640
    assert sorted(p.name for p in drawing.parent.iterdir()) == ["old.svg"]  # no temporary left


def test_the_data_set_shapes_checked_up_front_are_those_of_the_loaded_data() -> None:
    from nets.datasets import load
    from viz.cli.checks import DATASET_SHAPES

    for name, shape in DATASET_SHAPES.items():
        data = load(name, seed=0, n_samples=40)
        assert (data.n_features, data.n_classes) == shape, name


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes and /dev/zero")
@pytest.mark.parametrize("source,message", [
    ("fifo", "is a named pipe (FIFO), not a regular file"),
    ("/dev/zero", "is a character device, not a regular file"),
])
def test_a_history_that_never_ends_is_refused_before_reading(tmp_path: Path, source: str, message: str) -> None:
    """In a child process with a time limit: waiting for a FIFO's writer or reading /dev/zero would never end."""
    if source == "fifo":
        source = str(tmp_path / "history.fifo")
        os.mkfifo(source)
    command = [sys.executable, "-m", "viz.cli", "draw", "--history", source, "-o", str(tmp_path / "loss.svg")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=REPO)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr, done.stderr


def test_usage_errors_print_the_subcommands_usage(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["grad", "x", "--at", "a=2", "b=3"], capsys)
    assert code == 2 and err.startswith("usage: autonode grad ") and "unrecognized arguments: b=3" in err
    code, _, err = run_cli(["demo", "--quik"], capsys)
    assert code == 2 and err.startswith("usage: autonode demo ") and "unrecognized arguments: --quik" in err
    code, _, err = run_cli(["draw", "--sizes", "64,abc", "-o", "x.svg"], capsys)
    assert code == 2 and err.startswith("usage: autonode draw ")


def test_save_path_is_checked_before_training(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["train", "--dataset", "xor", "--samples", "40", "--epochs", "1", "--quiet",
                              "--save", f"{MISSING_DIR}/model.json"], capsys)
    assert code == 2 and f"the folder {MISSING_DIR} does not exist" in err
    assert "dataset xor" not in out and "final loss" not in out  # refused before loading or training


def test_an_expression_starting_with_minus_is_an_expression(capsys: pytest.CaptureFixture[str]) -> None:
    # by hand: y = -a·b at a = 2, b = 3: y = -6, ∂y/∂a = -b = -3, ∂y/∂b = -a = -2
    code, out, _ = run_cli(["grad", "-a*b", "--at", "a=2,b=3", "--quiet-steps"], capsys)
    assert code == 0 and "-a*b = -6" in out and "∂out/∂a = -3" in out and "∂out/∂b = -2" in out
    code, out, _ = run_cli(["grad", "--at", "a=2", "-a", "--quiet-steps"], capsys)
    assert code == 0 and "-a = -2" in out and "∂out/∂a = -1" in out
    code, out, _ = run_cli(["grad", "--quiet-steps", "--", "-a", "--at", "a=5"], capsys)
    assert code == 2  # after "--" every word is an argument, so --at is one too: a clear usage error


def test_draw_expr_starting_with_minus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "g.svg"
    code, stdout, _ = run_cli(["draw", "--expr", "-a", "--at", "a=4", "-o", str(out)], capsys)
    assert code == 0 and out.stat().st_size > 0 and "graph written to" in stdout


def test_unused_values_are_named_and_the_result_still_computed(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["grad", "a*a", "--at", "a=3,c=4", "--quiet-steps"], capsys)
    assert code == 0 and "a*a = 9" in out and "∂out/∂a = 6" in out  # d(a²)/da = 2a
    assert "--at gives c, which the expression does not use" in err


def test_a_domain_error_names_the_op_once(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["grad", "log(x)", "--at", "x=-1"], capsys)
    assert code == 2 and "log needs a positive operand" in err and "log: log" not in err


def test_a_label_cannot_end_the_steps_page_script(tmp_path: Path) -> None:
    x = Value(2.0, label="<!--<script>")
    y = Value(3.0, label="</script><b>")
    out = x * y
    out.label = "&amp; </SCRIPT >"
    page = (viz.write_backward_steps(out, tmp_path / "steps")[-1]).read_text(encoding="utf-8")
    script = page.split("<script>", 1)[1]
    body, after = script.split("</script>", 1)
    # inside the script: no comment opener, no tag that could end or restart it, whatever the labels
    assert "<!--" not in body and "<script" not in body.lower() and "</" not in body
    assert after.strip() == "</body></html>"
    frames = json.loads(re.search(r"const frames = (\[.*?\]);\n", body, re.S).group(1))
    captions = " ".join(frame["caption"] for frame in frames)
    assert "<!--<script>" in captions and "</script><b>" in captions  # the labels survive as text
    assert html.escape("<!--<script>") not in captions
