"""``autonode bench engine [--quick]``: autonode against micrograd, side by side in one run.

The measuring lives in :mod:`autonode_cli.bench_engine` (functions returning
dicts, also used by the demo); this module only parses arguments and prints.
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "bench",
        help="benchmark the engine against micrograd (speed, graph memory, deep chains)",
        description="Measure autonode and micrograd side by side in one run, Python's default GC on.",
    )
    parser.add_argument("target", choices=["engine"], help="what to benchmark")
    parser.add_argument("--quick", action="store_true", help="few repeats and a short chain: a smoke run, not figures")
    parser.add_argument("--json", action="store_true", help="print the raw measurements as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from autonode_cli.bench_engine import bench_engine

    if not args.json:
        print("measuring (quick smoke run)..." if args.quick else "measuring (about a minute)...", flush=True)
    results = bench_engine(quick=args.quick)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(format_results(results))
    return 0


def _bytes(n: float) -> str:
    return f"{n / 1e6:.2f} MB" if n >= 1e6 else f"{n / 1e3:.1f} kB"


def format_mlp(mlp: dict[str, Any]) -> str:
    sizes = ", ".join(str(s) for s in mlp["sizes"][1:])
    lines = [
        f"MLP({mlp['sizes'][0]}, [{sizes}]) on one digits sample: forward + SSE loss + backward "
        f"({mlp['parameters']} parameters; median of {mlp['repeats']} × {mlp['batch']} samples)",
        f"  {'engine':<30} {'nodes':>7} {'ms/sample':>10} {'speed-up':>9} {'graph memory':>13} "
        f"{'memory':>7} {'|Δloss|':>9} {'max |Δgrad|':>11}",
    ]
    for i, row in enumerate(mlp["engines"]):
        deltas = (
            f"{'—':>9} {'—':>11}" if i == 0
            else f"{row['max_abs_loss_diff']:>9.1e} {row['max_abs_grad_diff']:>11.1e}"
        )
        lines.append(
            f"  {row['engine']:<30} {row['nodes']:>7} {row['seconds_per_sample'] * 1e3:>10.3f} "
            f"{row['speedup']:>8.1f}× {_bytes(row['memory_bytes']):>13} {row['memory_ratio']:>7.3f} {deltas}"
        )
    lines.append(f"  speed-up, memory and Δ are relative to {mlp['reference']} (same weights, same sample)")
    gc_off = mlp["micrograd_gc_off_seconds_per_sample"]
    if gc_off is not None:
        with_gc = mlp["engines"][0]["seconds_per_sample"]
        lines.append(
            f"  micrograd with the cyclic GC switched off: {gc_off * 1e3:.3f} ms/sample "
            f"(the GC takes {1 - gc_off / with_gc:.0%} of its time)"
        )
    if mlp["note"]:
        lines.append(f"  note: {mlp['note']}")
    return "\n".join(lines)


def format_chain(chain: dict[str, Any], micrograd: dict[str, Any]) -> str:
    check = "✓" if chain["gradient_correct"] else "✗ WRONG"
    lines = [
        f"Deep chain y = y + x ({chain['steps']:,} steps, one node each), autonode: "
        f"forward {chain['forward_seconds']:.2f} s, backward {chain['backward_seconds']:.2f} s, "
        f"∂y/∂x = {chain['steps']:,} {check}",
    ]
    if micrograd["fails_at"] is not None:
        lines.append(
            f"  micrograd's backward fails with RecursionError on the same chain at depth {micrograd['fails_at']:,} "
            f"(passes at {micrograd['passes_at']:,})"
        )
    else:
        lines.append(f"  micrograd: {micrograd['note']}")
    return "\n".join(lines)


def format_results(results: dict[str, Any]) -> str:
    gc_state = "on" if results["gc_enabled"] else "OFF"
    return "\n\n".join([
        format_mlp(results["mlp"]),
        format_chain(results["chain"], results["micrograd_chain"]),
        f"Python's cyclic GC: {gc_state} (default thresholds)",
    ])
