"""``autonode train``: train a network on a small data set with any engine and a named recipe.

    autonode train --engine vector --dataset digits --recipe tutorial
    autonode train --engine scalar --dataset moons --recipe modern --epochs 20

Shows the recipe, a progress bar with ETA on long runs, and the final accuracy. Every
option and the --save path are checked before any data is loaded (exit 2 naming the option),
so a long run is never lost to a typo in the path; a failed run exits with 1.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import replace
from typing import Any

from nets import compiled, mkl_products
from nets.compiled import KERNELS
from nets.datasets import load
from nets.engines import make_engine
from nets.io import check_destination, save
from nets.optim import SCHEDULES, get_optimizer, get_schedule
from nets.recipes import get_recipe
from viz.cli.checks import (
    DATASET_SHAPES,
    MAX_SAMPLES,
    UsageError,
    check_parameters,
    check_range,
    check_seed,
    writable_file,
)

ENGINE_NAMES = ("scalar", "scalar-fused", "looped", "vector")
DATASET_NAMES = ("digits", "moons", "circles", "xor")
RECIPE_NAMES = ("tutorial", "modern")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "train", help="train a network (any engine) on digits, moons, circles or XOR",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--engine", choices=ENGINE_NAMES, default="vector", help="default: vector")
    parser.add_argument("--dataset", choices=DATASET_NAMES, default="digits", help="default: digits")
    parser.add_argument(
        "--recipe", choices=RECIPE_NAMES,
        help="default: tutorial for digits (the seed's run), modern for moons, circles and xor",
    )
    parser.add_argument("--epochs", type=int, help="override the recipe's number of epochs (iterations if full batch)")
    parser.add_argument("--lr", type=float, help="override the recipe's learning rate")
    parser.add_argument("--batch-size", type=int, help="override the recipe's batch size (0: full batch)")
    parser.add_argument("--hidden", type=int, nargs="+", help="override the hidden layer sizes, e.g. --hidden 30")
    parser.add_argument("--seed", type=int, default=0, help="random seed for data split and weights (default 0)")
    parser.add_argument("--samples", type=int, default=400, help="points for moons/circles/xor (default 400)")
    parser.add_argument("--save", metavar="FILE", help="save the trained model (JSON, see nets.io)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--kernels", choices=KERNELS, default="numpy",
                        help="numba: Adam, the softmax cross-entropy and the vector engine's backward δ steps as "
                             "compiled loops (the numba extra); numba+mkl: those, and the vector engine's large "
                             "matrix products by Intel's MKL (the mkl extra) (default: numpy)")
    regularise = parser.add_argument_group("regularisation, learning-rate schedule and stopping")
    regularise.add_argument("--alpha", type=float, default=0.0,
                            help="L2 penalty α/(2m)·Σ‖W‖² added to the loss, as scikit-learn's alpha (default 0)")
    regularise.add_argument("--schedule", choices=tuple(SCHEDULES), default="constant",
                            help="learning rate per epoch (default constant); adaptive divides it by 5 on a stall")
    regularise.add_argument("--power-t", type=float, default=0.5, help="invscaling: α₀/(t+1)^power_t (default 0.5)")
    regularise.add_argument("--step-every", type=int, default=10, help="step: epochs between steps (default 10)")
    regularise.add_argument("--step-factor", type=float, default=0.5, help="step: rate multiplier (default 0.5)")
    regularise.add_argument("--min-lr", type=float, default=0.0, help="cosine: the final rate (default 0)")
    regularise.add_argument("--validation-fraction", type=float, default=0.0,
                            help="hold out this share of the training rows (stratified), keep the best weights")
    regularise.add_argument("--n-iter-no-change", type=int,
                            help="stop after this many epochs without a gain of --tol (default: never; 10 with "
                                 "--schedule adaptive)")
    regularise.add_argument("--tol", type=float, default=1e-4, help="the gain that counts, for --n-iter-no-change")
    parser.set_defaults(func=run)


def _check_settings(args: argparse.Namespace) -> None:
    """Usage errors in the size options and the --save path, before anything is loaded or allocated.

    A bad --lr is reported by the optimizer ("lr (learning rate) must be a positive finite number").
    """
    check_range(args.epochs, "--epochs", 1, 10_000_000, "a positive integer")
    check_range(args.batch_size, "--batch-size", 0, MAX_SAMPLES, "a positive integer (0: full batch)")
    check_range(args.samples, "--samples", 4, MAX_SAMPLES)
    check_seed(args.seed)
    check_range(args.n_iter_no_change, "--n-iter-no-change", 1, 10_000_000, "a positive integer")
    if not (math.isfinite(args.tol) and args.tol >= 0):
        raise UsageError(f"--tol must be a finite number >= 0, got {args.tol}")
    if not (math.isfinite(args.power_t) and args.power_t >= 0):
        raise UsageError(f"--power-t must be a finite number >= 0, got {args.power_t}")
    if args.hidden is not None:
        if any(n < 1 for n in args.hidden):
            raise UsageError(f"--hidden: every hidden layer needs a positive number of units, got {args.hidden}")
        inputs, classes = DATASET_SHAPES[args.dataset]
        check_parameters([inputs, *args.hidden, classes], "--hidden", engines=[args.engine])
    if args.kernels != "numpy" and not compiled.available():
        raise UsageError(f"--kernels {args.kernels} needs numba, not installed here: {compiled.INSTALL_HINT}")
    if args.kernels == "numba+mkl":
        try:
            mkl_products.require()
        except ImportError as error:  # not installed, or installed but not loadable: its message says which
            raise UsageError(f"--kernels numba+mkl: {error}") from None
    if args.save:
        writable_file(args.save, "--save")
        try:  # also refuses an existing file that is not an autonode model file, before any training
            check_destination(args.save)
        except OSError as error:
            raise UsageError(f"--save: {error}") from None


def run(args: argparse.Namespace) -> int:
    _check_settings(args)
    from nets.train import accuracy, train  # imports tqdm.auto: a few tenths of a second, only for training

    recipe = get_recipe(args.recipe or ("tutorial" if args.dataset == "digits" else "modern"))
    changes: dict[str, Any] = {}
    if args.epochs is not None:
        changes["epochs"] = args.epochs
    if args.batch_size is not None:
        changes["batch_size"] = args.batch_size or None
    if args.hidden is not None:
        changes["hidden"] = tuple(args.hidden)
    if args.lr is not None:
        changes["optimizer_options"] = {**recipe.optimizer_options, "lr": args.lr}
    try:
        recipe = replace(recipe, **changes)
        data = load(args.dataset, seed=args.seed, n_samples=args.samples)
        sizes = recipe.sizes(data.n_features, data.n_classes)
        check_parameters(sizes, "--hidden", engines=[args.engine])
        net = make_engine(args.engine, sizes, recipe.activations, init=recipe.init, rng=args.seed)
        optimizer = get_optimizer(recipe.optimizer, **recipe.optimizer_options)
        schedule = get_schedule(args.schedule, **{
            "invscaling": {"power_t": args.power_t}, "step": {"every": args.step_every, "factor": args.step_factor},
            "cosine": {"min_lr": args.min_lr}}.get(args.schedule, {}))
        stall = args.n_iter_no_change if args.n_iter_no_change is not None else (
            10 if args.schedule == "adaptive" else None)
        if not (args.alpha >= 0 and math.isfinite(args.alpha)):
            raise ValueError(f"--alpha must be a number >= 0, got {args.alpha}")
        if not 0 <= args.validation_fraction < 1:
            raise ValueError(f"--validation-fraction must be in [0, 1), got {args.validation_fraction}")
    except ValueError as error:  # a bad setting (--lr, a recipe override): a usage error, like the other options'
        raise UsageError(str(error)) from None
    print(f"dataset {args.dataset}: {len(data.X_train)} training / {len(data.X_test)} test rows, "
          f"{data.n_features} features, {data.n_classes} classes")
    print(f"engine {args.engine}, network {'-'.join(map(str, sizes))}")
    print(f"recipe {recipe.describe()}")
    if args.engine.startswith("scalar"):
        print("the per-node engine builds a graph of Values for every sample: expect it to be slow "
              "(the progress bar shows the ETA; --epochs or --recipe modern shorten the run)", flush=True)
    try:
        history = train(
            net, data.X_train, data.Y_train, loss=recipe.loss, optimizer=optimizer, epochs=recipe.epochs,
            batch_size=recipe.batch_size, rng=args.seed, track_accuracy=False,
            progress=False if args.quiet else None, desc=f"{args.engine} {recipe.name}",
            l2=args.alpha, schedule=schedule, validation_fraction=args.validation_fraction, stratify=True,
            n_iter_no_change=stall, tol=args.tol, kernels=args.kernels,
        )
        if history.stop_reason:
            print(f"stopped after epoch {history.epochs}: {history.stop_reason}")
    except (ValueError, FloatingPointError) as error:  # the run itself failed (e.g. the loss diverged)
        print(f"autonode train: {error}", file=sys.stderr)
        return 1
    except OverflowError as error:  # e.g. (t+1)**power_t past the largest float
        print(f"autonode train: a number grew past the largest float during training ({error}); choose a "
              "smaller --power-t or --lr", file=sys.stderr)
        return 1
    train_acc = accuracy(net.predict_output(data.X_train), data.Y_train)
    test_acc = accuracy(net.predict_output(data.X_test), data.Y_test)
    print(f"final loss {history.loss[-1]:.6g} after {history.epochs} epochs in {history.seconds:.2f} s "
          f"({1000 * history.seconds / history.epochs:.3f} ms per epoch)")
    print(f"accuracy: train {100 * train_acc:.2f} %, test {100 * test_acc:.2f} %")
    if args.save:
        try:
            save(args.save, net)
        except OSError as error:  # checked before training; the folder can still change during a long run
            print(f"autonode train: could not save the model to {args.save}: {error}", file=sys.stderr)
            return 1
        print(f"model saved to {args.save}")
    return 0
