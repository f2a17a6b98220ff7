"""``autonode bench training``'s parts: the products it times alone, and the table it prints (no timing asserted)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from nets import mkl_products
from nets.experiments.training_loop_bench import _products, format_training, step_products


def _summary(median: float, low: float, high: float) -> dict[str, float]:
    return {"median": median, "min": low, "max": high}


@pytest.mark.skipif(not mkl_products.available(), reason="MKL is not installed (the mkl extra)")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_products_timed_alone_are_one_training_steps_products(dtype: type) -> None:
    # 784-256-128-10 at batch 128: forward h Wᵀ per layer, backward δᵀh per layer and δW for the layers above the first
    operands, Ws = step_products((784, 256, 128, 10), 128, dtype)
    hs, deltas = operands[:3], operands[3:]
    expected = ([np.einsum("bi,oi->bo", h.astype(float), W.astype(float)) for h, W in zip(hs, Ws, strict=True)]
                + [np.einsum("bo,bi->oi", d.astype(float), h.astype(float)) for d, h in zip(deltas, hs, strict=True)]
                + [np.einsum("bo,oi->bi", d.astype(float), W.astype(float))
                   for d, W in zip(deltas[1:], Ws[1:], strict=True)])
    rtol = 1e-12 if dtype is np.float64 else 1e-4
    for engine in (np, mkl_products):
        got = _products(engine, operands, Ws)
        assert [g.shape for g in got] == [e.shape for e in expected]
        for g, e in zip(got, expected, strict=True):
            assert g.dtype == dtype
            np.testing.assert_allclose(g, e, rtol=rtol, atol=rtol * np.abs(e).max())


def test_the_table_shows_the_mkl_column_its_ratios_and_its_products() -> None:
    seconds = {"ours": _summary(0.130, 0.128, 0.131), "ours+numba": _summary(0.110, 0.108, 0.112),
               "ours+mkl": _summary(0.1015, 0.1, 0.103), "bare": _summary(0.16, 0.159, 0.161),
               "jax": _summary(0.097, 0.095, 0.099)}
    ratios = {"ours/bare": _summary(0.81, 0.8, 0.82), "ours/jax": _summary(1.34, 1.3, 1.38),
              "ours+numba/jax": _summary(1.13, 1.11, 1.15), "ours+mkl/jax": _summary(1.05, 1.04, 1.07),
              "ours+mkl in order/jax": _summary(1.01, 0.99, 1.02)}
    case = {"case": "784-256-128-10 b128", "dtype": "float32", "seconds_per_epoch": seconds,
            "cpu_seconds_per_epoch": seconds, "ratios": ratios, "cpu_ratios": ratios,
            "matmuls_per_step": {"numpy": _summary(1.1e-3, 1.0e-3, 1.2e-3), "mkl": _summary(9.5e-4, 9.4e-4, 9.6e-4),
                                 "jax": _summary(1.0e-3, 9.9e-4, 1.1e-3), "numpy/jax": _summary(1.09, 1.08, 1.1),
                                 "mkl/jax": _summary(0.94, 0.93, 0.95)}}
    text = format_training({"core": 0, "blas": "openblas 0.3.31", "mkl": "oneMKL 2026.2, sequential threading layer",
                            "xla_one_thread_flags": True, "load_average": (1.0, 1.1, 1.2), "cases": [case],
                            "allocator_settled_bytes": 16 << 20})
    header = next(line for line in text.splitlines() if line.startswith("net "))
    assert "ours + numba + mkl" in header and "+numba+mkl/JAX" in header
    row = next(line for line in text.splitlines() if line.startswith("784-256-128-10 b128    float32    130.0"))
    assert "101.5 [100.0-103.0] ms" in row and row.endswith("1.05 [1.04-1.07]")
    lines = text.splitlines()
    heading = next(i for i, line in enumerate(lines) if line.startswith("-- minibatches in order, no shuffle"))
    in_order = lines[heading + 1]
    assert in_order.split() == ["784-256-128-10", "b128", "float32", "1.01", "[0.99-1.02]"]
    floor = next(line for line in text.splitlines() if "numpy/XLA" in line)
    assert "MKL 950.0 [940.0-960.0] µs" in floor and "MKL/XLA 0.94 [0.93-0.95]" in floor
    assert "MKL: oneMKL 2026.2, sequential threading layer" in text
    assert "malloc settled before timing: a 16 MB block allocated and freed" in text


def test_the_table_without_mkl_leaves_its_cells_empty() -> None:
    seconds = {"ours": _summary(0.0017, 0.0017, 0.0018), "jax": _summary(0.0018, 0.0017, 0.0019)}
    case = {"case": "64-30-10 b32", "dtype": "float64", "seconds_per_epoch": seconds, "cpu_seconds_per_epoch": seconds,
            "ratios": {}, "cpu_ratios": {},
            "matmuls_per_step": {"numpy": _summary(1e-5, 1e-5, 1e-5), "jax": _summary(3e-5, 3e-5, 3e-5),
                                 "numpy/jax": _summary(0.33, 0.3, 0.4)}}
    text = format_training({"core": 0, "blas": "openblas", "mkl": "", "xla_one_thread_flags": True,
                            "load_average": None, "cases": [case]})
    row = next(line for line in text.splitlines() if line.startswith("64-30-10 b32"))
    assert row.split()[3:5] == ["1.7", "[1.7-1.8]"] and row.split().count("-") == 7  # three engines, four ratios
    floor = next(line for line in text.splitlines() if "numpy/XLA" in line)
    assert "MKL" not in floor and "MKL:" not in text


SETTLING = """
import resource, sys
import numpy as np
from nets.experiments.training_loop_bench import settle_allocator
if sys.argv[1] == "settled":
    settle_allocator()
faults = []
for _ in range(20):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    blocks = [np.ones(1 << 17) for _ in range(4)]  # four 1 MB temporaries at once, as a training step has
    del blocks  # freed together: malloc may give the heap's top back to the system, to be faulted in again
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
print(sum(faults[5:]))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc: the state the benchmark settles")
def test_after_settling_malloc_freed_temporaries_are_reused_without_page_faults() -> None:
    def faults(state: str) -> int:
        run = subprocess.run([sys.executable, "-c", SETTLING, state], capture_output=True, text=True, check=True)
        return int(run.stdout)

    assert faults("fresh") > 15 * 400  # the 4 MB faulted in anew every time: about 1,000 pages
    assert faults("settled") < 100  # reused from the heap
