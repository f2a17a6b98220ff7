"""Matrix products through Intel's oneMKL (optional): the products of ``kernels="numba+mkl"``.

numpy sends ``a @ b`` to the BLAS it was built with (OpenBLAS, in the PyPI wheels). This module
sends the same product to MKL's ``cblas_sgemm``/``cblas_dgemm`` instead::

    C = op(A)·op(B),   op(X) = X or Xᵀ   (row-major, α = 1, β = 0)

where a transposed operand is simply a transposed view: an F-contiguous array is read as the
transpose of its C-contiguous base, so ``δᵀh`` and ``h Wᵀ`` need no copy.

Why: on one core of this machine (``autonode bench training`` prints the figures), MKL's single-thread
sgemm runs a 784-256-128-10 training step's products, batch 128, in 0.85× OpenBLAS 0.3.31's time
(0.84 → 0.72 ms float32 would be typical; the two products with the 784-wide input take 0.76× and 0.90×);
784-1024-1024-10, batch 1024, 0.90× float32 and 0.85× float64. That is the gap between numpy's products
and XLA's, which the rest of the step does not have.

* MKL comes from PyPI's ``mkl`` wheel (``pip install -e '.[mkl]'``, x86-64 Linux and Windows; Intel's
  Simplified Software License) and is loaded with ctypes on first use. Its *sequential* threading
  layer is chosen before the first call: each product runs on the calling thread, as the one-core
  benchmark measures (numpy's threaded BLAS may be the faster choice for large products on many cores).
* A product goes to MKL only when it is worth a ctypes call (m·n·k ≥ :data:`MIN_WORK`) and its arrays
  suit ``gemm``: 2-D, one float type (float32 or float64), each C- or F-contiguous, the output
  C-contiguous, writeable and apart from the inputs. Anything else is numpy's ``matmul``.
* The results equal numpy's to rounding (a different summation order), not to the bit.
"""

from __future__ import annotations

import ctypes
import functools
import importlib.metadata
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from nets.types import Array

INSTALL_HINT = "pip install -e '.[mkl]'"

MIN_WORK = 1 << 20
"""The smallest m·n·k sent to MKL: below it, a ctypes call (a few µs) costs more than MKL saves."""

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112  # CBLAS_LAYOUT, CBLAS_TRANSPOSE
_SEQUENTIAL = 1  # MKL_THREADING_SEQUENTIAL
_LARGEST = 2**31 - 1  # MKL's LP64 interface: dimensions are 32-bit ints
_GEMM_NAMES: dict[np.dtype[Any], tuple[str, Any]] = {np.dtype(np.float32): ("cblas_sgemm", ctypes.c_float),
               np.dtype(np.float64): ("cblas_dgemm", ctypes.c_double)}


def _library_path() -> str:
    """The MKL runtime library (``libmkl_rt.so.N`` / ``mkl_rt.N.dll``) installed by the ``mkl`` wheel."""
    try:
        files = importlib.metadata.distribution("mkl").files or []
    except importlib.metadata.PackageNotFoundError:
        raise ImportError(f"the mkl products need Intel's MKL: {INSTALL_HINT}", name="mkl") from None
    prefix = "mkl_rt" if sys.platform == "win32" else "libmkl_rt.so"
    found = sorted(os.path.realpath(f.locate()) for f in files if f.name.startswith(prefix))
    if not found:
        raise ImportError(f"the mkl package has no {prefix} library for this platform", name="mkl")
    return found[-1]


_LOADING = threading.Lock()


def _gemms() -> dict[Any, Callable[..., None]]:
    """cblas_sgemm and cblas_dgemm by float type, typed for ctypes, and MKL_Get_Version_String as "version" (MKL
    loaded on first use, under a lock)."""
    with _LOADING:
        return _load()


@functools.cache
def _load() -> dict[Any, Callable[..., None]]:
    path = _library_path()
    try:
        library = ctypes.CDLL(path)
    except OSError as error:
        raise ImportError(f"MKL could not be loaded from {path}: {error}", name="mkl") from None
    library.MKL_Set_Threading_Layer.argtypes = [ctypes.c_int]
    library.MKL_Set_Threading_Layer(_SEQUENTIAL)  # before any other MKL call: no OpenMP runtime, one thread
    gemms: dict[Any, Callable[..., None]] = {}
    for dtype, (name, real) in _GEMM_NAMES.items():
        gemm = getattr(library, name)
        gemm.argtypes = [ctypes.c_int] * 6 + [real, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_int,
                                              real, ctypes.c_void_p, ctypes.c_int]
        gemm.restype = None
        gemms[dtype] = gemm
    gemms["version"] = library.MKL_Get_Version_String
    return gemms


def available() -> bool:
    """Whether MKL is installed and loads."""
    try:
        _gemms()
    except ImportError:
        return False
    return True


def require() -> None:
    """ImportError with the install command when MKL is not installed."""
    _gemms()


def version() -> str:
    """MKL's own description of itself (version, build), or "" when it is not installed."""
    if not available():
        return ""
    text = ctypes.create_string_buffer(256)
    _gemms()["version"](text, len(text))
    return text.value.decode(errors="replace").strip() + ", sequential threading layer"


def _operand(a: Array) -> tuple[int, int] | None:
    """(CBLAS transpose flag, leading dimension) of a 2-D operand, or None if gemm cannot read it in place."""
    if a.flags.c_contiguous:
        return _NO_TRANS, max(a.shape[1], 1)
    if a.flags.f_contiguous:  # the transpose of a C-contiguous (k, m) array
        return _TRANS, max(a.shape[0], 1)
    return None


def _suits_gemm(a: Array, b: Array, out: Array | None) -> bool:
    """Whether ``a @ b`` (into ``out``) is worth a gemm call and gemm can read and write the arrays in place."""
    if a.ndim != 2 or b.ndim != 2:
        return False
    (m, k), n = a.shape, b.shape[1]
    if m * n * k < MIN_WORK:  # first: the cheapest test, and the one small products fail
        return False
    if b.shape[0] != k or max(m, n, k) > _LARGEST or a.dtype != b.dtype or a.dtype not in _GEMM_NAMES:
        return False
    if _operand(a) is None or _operand(b) is None:
        return False
    return out is None or (out.shape == (m, n) and out.dtype == a.dtype and out.flags.c_contiguous
                           and out.flags.writeable and not np.may_share_memory(out, a)
                           and not np.may_share_memory(out, b))


def matmul(a: Array, b: Array, out: Array | None = None) -> Array:
    """``a @ b`` (into ``out`` if given) by MKL's gemm where it pays and fits (see the module), else numpy's."""
    if not _suits_gemm(a, b, out):
        result: Array = np.matmul(a, b, out=out)
        return result
    (m, k), n = a.shape, b.shape[1]
    target = np.empty((m, n), dtype=a.dtype) if out is None else out
    (op_a, lda), (op_b, ldb) = _operand(a), _operand(b)  # type: ignore[misc]
    _gemms()[a.dtype](_ROW_MAJOR, op_a, op_b, m, n, k, 1.0, a.ctypes.data, lda, b.ctypes.data, ldb, 0.0,
                      target.ctypes.data, n)
    return target
