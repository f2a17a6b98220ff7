"""``autonode train``: train a network on a small data set with any engine and a named recipe.

    autonode train --engine vector --dataset digits --recipe tutorial
    autonode train --engine scalar --dataset moons --recipe modern --epochs 20

Shows the recipe, a progress bar with ETA on long runs, and the final accuracy.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

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
    parser.set_defaults(func=run)


def _bad_setting(args: argparse.Namespace) -> str:
    """What is wrong with the size options, naming the option and what it expects ("" if nothing).

    A bad --lr is reported by the optimizer ("lr (learning rate) must be a positive finite number").
    """
    if args.epochs is not None and args.epochs < 1:
        return f"--epochs must be a positive integer, got {args.epochs}"
    if args.batch_size is not None and args.batch_size < 0:
        return f"--batch-size must be a positive integer (0: full batch), got {args.batch_size}"
    if args.hidden is not None and any(n < 1 for n in args.hidden):
        return f"--hidden: every hidden layer needs a positive number of units, got {args.hidden}"
    return ""


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from nets.datasets import load
    from nets.engines import make_engine
    from nets.recipes import get_recipe
    from nets.train import accuracy, train

    problem = _bad_setting(args)
    if problem:
        print(f"autonode train: {problem}", file=sys.stderr)
        return 2
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
        net = make_engine(args.engine, sizes, recipe.activations, init=recipe.init, rng=args.seed)
    except ValueError as error:
        print(f"autonode train: {error}", file=sys.stderr)
        return 2
    print(f"dataset {args.dataset}: {len(data.X_train)} training / {len(data.X_test)} test rows, "
          f"{data.n_features} features, {data.n_classes} classes")
    print(f"engine {args.engine}, network {'-'.join(map(str, sizes))}")
    print(f"recipe {recipe.describe()}")
    if args.engine.startswith("scalar"):
        print("the per-node engine builds a graph of Values for every sample: expect it to be slow "
              "(the progress bar shows the ETA; --epochs or --recipe modern shorten the run)", flush=True)
    from nets.optim import get_optimizer

    try:
        optimizer = get_optimizer(recipe.optimizer, **recipe.optimizer_options)
    except ValueError as error:  # a bad setting (--lr): a usage error, like the other options'
        print(f"autonode train: {error}", file=sys.stderr)
        return 2
    try:
        history = train(
            net, data.X_train, data.Y_train, loss=recipe.loss, optimizer=optimizer, epochs=recipe.epochs,
            batch_size=recipe.batch_size, rng=args.seed, track_accuracy=False,
            progress=False if args.quiet else None, desc=f"{args.engine} {recipe.name}",
        )
    except (ValueError, FloatingPointError) as error:  # the run itself failed (e.g. the loss diverged)
        print(f"autonode train: {error}", file=sys.stderr)
        return 1
    train_acc = accuracy(net.predict_output(data.X_train), data.Y_train)
    test_acc = accuracy(net.predict_output(data.X_test), data.Y_test)
    print(f"final loss {history.loss[-1]:.6g} after {history.epochs} epochs in {history.seconds:.2f} s "
          f"({1000 * history.seconds / history.epochs:.3f} ms per epoch)")
    print(f"accuracy: train {100 * train_acc:.2f} %, test {100 * test_acc:.2f} %")
    if args.save:
        from nets.io import save

        save(args.save, net)
        print(f"model saved to {args.save}")
    return 0
