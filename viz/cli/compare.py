"""``autonode compare``: every engine from the same weights — same numbers, different costs.

    autonode compare                      # digits, 64-30-10, all engines, benchmarks
    autonode compare --quick              # small subset, short runs
    autonode compare --activation sigmoid --output sigmoid --loss half_sse --json figures.json

Prints max |Δ| of outputs and gradients against the vectorised engine, time per
sample (forward + backward), time per epoch and speed-up over the slowest; then
the seed tutorial's 100-100-50-10 forward experiment and its digits training run,
and a modern recipe against PyTorch and scikit-learn. Figures, not assertions.
Options and the --json path are checked before anything runs (exit 2 naming the option).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import numpy as np

from nets.activations import check_activations
from nets.datasets import load
from nets.init import initialise
from nets.losses import get_loss
from viz.cli.checks import DATASET_SHAPES, UsageError, check_parameters, check_range, check_seed, writable_file
from viz.extras import install_hint
from viz.render import write_atomic

MAX_BATCH = 100_000
FIGURES_FILE = ("a figures file autonode compare wrote", (b'{\n  "dataset": ',))  # json.dumps(indent=2), dataset first

ALL_ENGINES = ("scalar", "scalar-fused", "looped", "vector", "micrograd", "pytorch", "jax")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "compare", help="run every engine from the same weights: differences and timings",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--dataset", choices=("digits", "moons", "circles", "xor"), default="digits")
    parser.add_argument("--hidden", type=int, nargs="+", default=[30], help="hidden layer sizes (default 30)")
    parser.add_argument("--activation", default="relu", help="hidden activation (default relu, so micrograd can join)")
    parser.add_argument("--output", default="identity", help="output activation (default identity)")
    parser.add_argument("--loss", default="half_sse", help="loss (default half_sse)")
    parser.add_argument("--init", default="he", help="initialiser (default he)")
    parser.add_argument("--batch", type=int, default=32, help="rows used for the difference/timing table (default 32)")
    parser.add_argument("--engines", nargs="+", choices=ALL_ENGINES, default=list(ALL_ENGINES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="small batch and short benchmark runs")
    parser.add_argument("--no-bench", action="store_true", help="only the engine table")
    parser.add_argument("--json", metavar="FILE", help="write every figure to FILE (atomically)")
    parser.set_defaults(func=run)


def _fmt(x: float | None, unit: str = "") -> str:
    if x is None:
        return "-"
    if unit == "s":
        for scale, name in ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs")):
            if x >= scale:
                return f"{x / scale:.3g} {name}"
        return f"{x * 1e9:.3g} ns"
    if unit == "x":
        return f"{x:.3g}×"
    return f"{x:.1e}"


def run(args: argparse.Namespace) -> int:
    check_range(args.batch, "--batch", 1, MAX_BATCH, "a positive integer")
    check_seed(args.seed)
    if any(n < 1 for n in args.hidden):
        raise UsageError(f"--hidden: every hidden layer needs a positive number of units, got {args.hidden}")
    inputs, classes = DATASET_SHAPES[args.dataset]
    check_parameters([inputs, *args.hidden, classes], "--hidden", engines=args.engines)
    if args.json:
        writable_file(args.json, "--json", FIGURES_FILE)
    # tqdm.auto looks for Jupyter, and the experiments import scikit-learn at module level (seconds):
    # both only for a run, never for --help or a usage error
    from tqdm.auto import tqdm

    from nets.experiments import comparison, forward_reverse, speed_runs

    try:
        data = load(args.dataset, seed=args.seed)
        sizes = [data.n_features, *args.hidden, data.n_classes]
        activations = check_activations([args.activation] * len(args.hidden) + [args.output], len(sizes) - 1)
        get_loss(args.loss)
        weights = initialise(args.init, sizes, np.random.default_rng(args.seed))
    except ValueError as error:
        raise UsageError(str(error)) from None
    batch = min(8 if args.quick else args.batch, len(data.X_train))
    X, Y = data.X_train[:batch], data.Y_train[:batch]
    if args.loss == "hinge":
        Y = 2.0 * Y - 1.0
    epoch_rows = len(data.X_train)
    bench = not args.no_bench
    steps = len(args.engines) + (4 if bench else 0)
    bar = tqdm(total=steps, desc="compare", unit="step", leave=False)
    figures: dict[str, Any] = {
        "dataset": args.dataset, "sizes": sizes, "activations": activations, "loss": args.loss,
        "init": args.init, "batch": batch, "epoch_rows": epoch_rows, "seed": args.seed,
        "blas": comparison.blas_kernel(),
    }
    try:
        def tick(name: str) -> None:
            bar.set_postfix_str(name)
            bar.update(0 if bar.n == 0 and name == args.engines[0] else 1)

        Y_epoch = 2.0 * data.Y_train - 1.0 if args.loss == "hinge" else data.Y_train
        rows = comparison.engine_rows(sizes, activations, weights, X, Y, args.loss, args.engines, data.X_train, Y_epoch,
                                      tick)
        bar.update(1)
        figures["engines"] = [r.as_dict() for r in rows]
        if bench:
            bar.set_postfix_str("forward experiment")
            figures["forward_experiment"] = speed_runs.forward_experiment(seed=args.seed)
            bar.update(1)
            bar.set_postfix_str("tutorial run")
            iterations, seeds = (200, [args.seed]) if args.quick else (3000, list(range(args.seed, args.seed + 5)))
            figures["tutorial_run"] = speed_runs.tutorial_run(iterations, seeds)
            bar.update(1)
            bar.set_postfix_str("modern recipe vs PyTorch, sklearn")
            figures["modern"] = speed_runs.modern_runs(5 if args.quick else 20, seed=args.seed)
            bar.update(1)
            bar.set_postfix_str("forward vs reverse mode")
            sizes_k = (1, 4, 16) if args.quick else forward_reverse.SIZES
            figures["forward_reverse"] = forward_reverse.timing_rows(sizes_k)
            bar.update(1)
    finally:
        bar.close()
    _print(figures)
    if args.json:
        write_atomic(args.json, json.dumps(figures, indent=2))
        print(f"\nfigures written to {args.json}")
    return 0


def _print(f: dict[str, Any]) -> None:
    print(f"{f['dataset']} {'-'.join(map(str, f['sizes']))} ({', '.join(f['activations'])}), loss {f['loss']}, "
          f"{f['init']} init; differences on {f['batch']} rows, epoch = {f['epoch_rows']} rows")
    header = (f"{'engine':<13} {'max|Δ| out':>10} {'max|Δ| grad':>11} {'per sample':>11} {'per epoch':>11} "
              f"{'speed-up':>9}")
    print(header)
    print("-" * len(header))
    for r in f["engines"]:
        epoch = _fmt(r["seconds_per_epoch"], "s") + ("*" if r["epoch_estimated"] and r["seconds_per_epoch"] else "")
        print(f"{r['engine']:<13} {_fmt(r['max_output_diff']):>10} {_fmt(r['max_gradient_diff']):>11} "
              f"{_fmt(r['seconds_per_sample'], 's'):>11} {epoch:>11} {_fmt(r['speedup'], 'x'):>9}"
              + (f"  {r['note']}" if r["note"] else ""))
    print("per epoch: one full-batch forward + backward; * = estimated as rows × time per sample")
    for r in f["engines"]:
        if r["note"].startswith("not installed"):
            print(f"{r['engine']} not installed: {install_hint(r['engine'])}")
    if "forward_experiment" in f:
        e = f["forward_experiment"]
        print(f"\nseed's forward experiment, 100-100-50-10 sigmoid, one sample: nested loops "
              f"{_fmt(e['looped_seconds'], 's')}, matrices {_fmt(e['matrix_seconds'], 's')} → "
              f"{e['speedup']:.0f}× (seed: 41 ms vs 84 µs, ≈500×); max |Δ| {e['max_diff']:.1e}")
    if "tutorial_run" in f:
        t = f["tutorial_run"]
        accs = ", ".join(f"{100 * a:.1f}" for a in t["test_accuracy"])
        print("\nseed's digits run (64-30-10 sigmoid, ½SSE, U[0,1), α = 0.25, "
              f"{t['iterations']} full-batch iterations):")
        print(f"  per iteration: vectorised {_fmt(t['vector_seconds_per_iteration'], 's')}, looped "
              f"{_fmt(t['looped_seconds_per_iteration'], 's')} ({t['speedup_vs_looped']:.0f}× faster), bare numpy "
              f"{_fmt(t['bare_numpy_seconds_per_iteration'], 's')} "
              f"(vectorised/bare = {t['overhead_vs_bare_numpy']:.2f})")
        seed_note = "seed: 86 %" if t["iterations"] >= 3000 else "the seed's 86 % needs its 3000 iterations"
        print(f"  test accuracy {100 * t['mean_test_accuracy']:.1f} % mean over seeds {t['seeds']} ({accs}); "
              f"{seed_note}")
    if "modern" in f:
        m = f["modern"]
        torch_part = (f", PyTorch CPU {_fmt(m['torch_seconds_per_epoch'], 's')} ({m['speedup_vs_torch']:.1f}× slower)"
                      if m.get("torch_seconds_per_epoch") else ", PyTorch not installed")
        print(f"\nmodern, {'-'.join(map(str, m['sizes']))} relu/softmax CE + Adam, batch 32, one thread, "
              f"{m.get('dtype', 'float64')} in both: "
              f"vectorised {_fmt(m['vector_seconds_per_epoch'], 's')} per epoch{torch_part}")
        reached = m.get("vector_seconds_to_target")
        target = f"{100 * m['target_accuracy']:.0f} %"
        if reached is None:
            print(f"  vectorised did not reach {target} test accuracy in 100 epochs")
        else:
            theirs = m.get("sklearn_seconds_to_target")
            sk_part = (f"sklearn MLPClassifier(30,) {_fmt(theirs, 's')} ({m['sklearn_epochs_to_target']} epochs); "
                       f"ratio {m['time_ratio_vs_sklearn']:.2f} = per-epoch cost {m['epoch_cost_ratio_vs_sklearn']:.2f}"
                       f" × epochs {m['epochs_ratio_vs_sklearn']:.2f}" if theirs is not None and "time_ratio_vs_sklearn"
                       in m else f"sklearn MLPClassifier(30,) did not reach it in {m['sklearn_epochs_to_target']} "
                       "epochs")
            print(f"  time to {target} test accuracy, both epoch by epoch with scoring: vectorised "
                  f"{_fmt(reached, 's')} ({m['vector_epochs_to_target']} epochs, 64 hidden); {sk_part}")
    if "forward_reverse" in f:
        print("\nfull Jacobian of a chain of length k, median time: forward mode (a dual-number pass per input)"
              "\nvs reverse mode (a backward() per output)")
        for r in f["forward_reverse"]:
            fwd, rev = r["forward_passes"], r["reverse_passes"]
            print(f"  {r['shape']}  k = {r['k']:>2}: forward {_fmt(r['forward_seconds'], 's'):>9} "
                  f"({fwd} pass{'es' * (fwd != 1)}), reverse {_fmt(r['reverse_seconds'], 's'):>9} "
                  f"({rev} pass{'es' * (rev != 1)}) → forward/reverse {r['forward_over_reverse']:.2f}")
    if f.get("blas"):
        print(f"\nnumpy's BLAS: {f['blas']}")
