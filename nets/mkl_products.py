"""Matrix products through Intel's oneMKL (optional): the products of ``kernels="numba+mkl"``.

numpy sends ``a @ b`` to the BLAS it was built with (OpenBLAS, in the PyPI wheels). This module
sends the same product to MKL's ``cblas_sgemm``/``cblas_dgemm`` instead::

    C = op(A)·op(B),   op(X) = X or Xᵀ   (row-major, α = 1, β = 0)

where a transposed operand is simply a transposed view: an F-contiguous array is read as the
transpose of its C-contiguous base, so ``δᵀh`` and ``h Wᵀ`` need no copy. :func:`affine` gives a
layer's ``z = h Wᵀ + b`` from the same call: the result is filled with the row b first, and gemm
adds the product to it (β = 1), so the bias costs no pass over z of its own.

Why (speed, the figure it buys): one training step's products, timed alone on one core by
``autonode bench training`` (three runs), take in MKL 2026.2 this share of OpenBLAS 0.3.31's time (numpy's
wheel): 784-256-128-10, batch 128, 0.86–0.87 float32 (1.07–1.14 → 0.92–1.00 ms) and 0.80–0.83 float64;
784-1024-1024-10, batch 1024, 0.87–0.89 and 0.83–0.85. Against XLA's, numpy's are 1.08–1.09× and MKL's
0.93–0.95× at the first in float32, the size where numpy's products were clearly slower than XLA's.

* MKL comes from PyPI's ``mkl`` wheel (``pip install -e '.[mkl]'``, x86-64 Linux and Windows; Intel's
  Simplified Software License) and is loaded with ctypes on first use. Its *sequential* threading
  layer is chosen before the first call: each product runs on the calling thread, as the one-core
  benchmark measures (numpy's threaded BLAS may be the faster choice for large products on many cores).
  MKL takes one layer per process: if another user of the library chose first, it keeps that one, and
  :func:`version` names it.
* Where numba is installed (the numba+mkl kernel set has it), gemm is called from a compiled caller
  (0.6 µs a call); without it, through ctypes (about 5 µs: see the speed section below).
* A product goes to MKL only when it is worth the call (m·n·k ≥ :data:`MIN_WORK`) and its arrays
  suit ``gemm``: 2-D numpy arrays (not subclasses), one float type (float32 or float64), each C- or
  F-contiguous, the output C-contiguous, writeable and apart from the inputs. Anything else is numpy's ``matmul``.
* The results equal numpy's to rounding (a different summation order), not to the bit.
"""

from __future__ import annotations

import ctypes
import functools
import importlib.metadata
import os
import platform
import sys
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from nets.types import Array

INSTALL_HINT = "pip install -e '.[mkl]'"

MIN_WORK = 1 << 16
"""The smallest m·n·k sent to MKL. From the compiled caller, MKL's products are faster than numpy's from about
here down (128×128×10 float32: 4.7 against 7.4 µs; 32×64×30: 1.9 against 2.2 µs); below it they are level."""

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112  # CBLAS_LAYOUT, CBLAS_TRANSPOSE
_SEQUENTIAL = 1  # MKL_THREADING_SEQUENTIAL
_LAYERS = {0: "Intel OpenMP", 1: "sequential", 2: "PGI OpenMP", 3: "GNU OpenMP", 4: "TBB"}  # MKL_THREADING_*
_LARGEST = 2**31 - 1  # MKL's LP64 interface: 32-bit ints, kept for every matrix's entry count too
_GEMM_NAMES: dict[np.dtype[Any], tuple[str, Any]] = {np.dtype(np.float32): ("cblas_sgemm", ctypes.c_float),
               np.dtype(np.float64): ("cblas_dgemm", ctypes.c_double)}


def _library_path() -> str:
    """The MKL runtime library (``libmkl_rt.so.N`` / ``mkl_rt.N.dll``) installed by the ``mkl`` wheel."""
    try:
        files = importlib.metadata.distribution("mkl").files or []
    except importlib.metadata.PackageNotFoundError:
        if platform.machine() not in ("x86_64", "AMD64") or sys.platform not in ("linux", "win32"):
            raise ImportError(f"the mkl products need Intel's MKL, whose PyPI wheels are for x86-64 Linux and Windows "
                              f"only (this is {sys.platform} on {platform.machine()})", name="mkl") from None
        raise ImportError(f"the mkl products need Intel's MKL: {INSTALL_HINT}", name="mkl") from None
    prefix = "mkl_rt" if sys.platform == "win32" else "libmkl_rt.so"
    found = sorted(os.path.realpath(f.locate()) for f in files if f.name.startswith(prefix))
    if not found:
        raise ImportError(f"the mkl package has no {prefix} library for this platform", name="mkl")
    return found[-1]


_LOADING = threading.Lock()


def _gemms() -> dict[Any, Any]:
    """cblas_sgemm and cblas_dgemm by float type, typed for ctypes, MKL_Get_Version_String as "version" and the
    threading layer in force as "layer" (MKL loaded on first use, under a lock)."""
    with _LOADING:
        return _load()


@functools.cache
def _load() -> dict[Any, Any]:
    path = _library_path()
    try:
        library = ctypes.CDLL(path)
        set_layer, version = library.MKL_Set_Threading_Layer, library.MKL_Get_Version_String
        gemms: dict[Any, Any] = {dtype: getattr(library, name) for dtype, (name, _) in _GEMM_NAMES.items()}
    except (OSError, AttributeError) as error:  # not a library, or not MKL's runtime: reinstalling is the cure
        raise ImportError(f"MKL could not be loaded from {path}: {error} (reinstall: {INSTALL_HINT})",
                          name="mkl") from None
    set_layer.argtypes, set_layer.restype = [ctypes.c_int], ctypes.c_int
    # Before any other MKL call: no OpenMP runtime, one thread. The layer is chosen once per process, so if
    # another user of this library chose first, MKL keeps that one and says so.
    gemms["layer"] = set_layer(_SEQUENTIAL)
    for dtype, (_, real) in _GEMM_NAMES.items():
        gemms[dtype].argtypes = [ctypes.c_int] * 6 + [real, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p,
                                                      ctypes.c_int, real, ctypes.c_void_p, ctypes.c_int]
        gemms[dtype].restype = None
    gemms["version"] = version
    gemms["callers"] = {}  # the gemm callers by float type, made on first use (see _caller)
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
    """MKL's own description of itself (version, build) and its threading layer, or "" when it is not installed.

    The layer is the sequential one unless another user of MKL in this process chose first.
    """
    if not available():
        return ""
    text = ctypes.create_string_buffer(256)
    gemms = _gemms()
    gemms["version"](text, len(text))
    layer = _LAYERS.get(gemms["layer"], f"unknown ({gemms['layer']})")
    return f"{text.value.decode(errors='replace').strip()}, {layer} threading layer"


def _operand(a: Array) -> tuple[int, int] | None:
    """(CBLAS transpose flag, leading dimension) of a 2-D operand, or None if gemm cannot read it in place."""
    if a.flags.c_contiguous:
        return _NO_TRANS, max(a.shape[1], 1)
    if a.flags.f_contiguous:  # the transpose of a C-contiguous (k, m) array
        return _TRANS, max(a.shape[0], 1)
    return None


def _suits_gemm(a: Array, b: Array, out: Array | None) -> bool:
    """Whether ``a @ b`` (into ``out``) is worth a gemm call and gemm can read and write the arrays in place."""
    if type(a) is not np.ndarray or type(b) is not np.ndarray or a.ndim != 2 or b.ndim != 2:
        return False  # lists, scalars and subclasses (matrix, masked arrays) are numpy's
    (m, k), n = a.shape, b.shape[1]
    if m * n * k < MIN_WORK:  # before the costlier tests: the one small products fail
        return False
    if b.shape[0] != k or max(m * k, k * n, m * n) > _LARGEST or a.dtype != b.dtype or a.dtype not in _GEMM_NAMES:
        return False
    if _operand(a) is None or _operand(b) is None:
        return False
    return out is None or (type(out) is np.ndarray and out.shape == (m, n) and out.dtype == a.dtype
                           and out.flags.c_contiguous and out.flags.writeable and not np.may_share_memory(out, a)
                           and not np.may_share_memory(out, b))


# ---- speed: the gemm call from compiled code ------------------------------------------------------------
# A call through ctypes costs about 5 µs before MKL starts: the call itself (1.8 µs) and the three
# arrays' addresses (0.8 µs each). With numba installed, a compiled caller reads the addresses and
# transpose flags and calls gemm directly: 0.6 µs a call, one compilation per float type on its first
# use. One training step of 784-256-128-10 makes eight products. Without numba, the ctypes call.
def _gemm_by_ctypes(gemm: Any) -> Callable[[Array, Array, Array, float], None]:
    def call(a: Array, b: Array, out: Array, beta: float) -> None:
        (m, k), n = a.shape, b.shape[1]
        (op_a, lda), (op_b, ldb) = _operand(a), _operand(b)  # type: ignore[misc]
        gemm(_ROW_MAJOR, op_a, op_b, m, n, k, 1.0, a.ctypes.data, lda, b.ctypes.data, ldb, beta, out.ctypes.data, n)

    return call


def _gemm_compiled(gemm: Any, dtype: np.dtype[Any]) -> Callable[[Array, Array, Array, float], None]:
    import numba  # optional (the numba extra), loaded with the first product

    row_major, no_trans, trans = _ROW_MAJOR, _NO_TRANS, _TRANS
    real = numba.from_dtype(dtype)
    matrix = numba.types.Array(real, 2, "A")  # any strides: the caller has checked each is C- or F-contiguous

    @numba.njit(numba.void(matrix, matrix, numba.types.Array(real, 2, "C"), numba.float64), nogil=True)
    def call(a: Array, b: Array, out: Array, beta: float) -> None:  # pragma: no cover (compiled)
        m, k = a.shape
        n = b.shape[1]
        op_a, lda = (no_trans, max(k, 1)) if a.flags.c_contiguous else (trans, max(m, 1))
        op_b, ldb = (no_trans, max(n, 1)) if b.flags.c_contiguous else (trans, max(k, 1))
        gemm(row_major, op_a, op_b, m, n, k, 1.0, a.ctypes.data, lda, b.ctypes.data, ldb, beta, out.ctypes.data, n)

    return call
# ---- end of speed section --------------------------------------------------------------------------------


def _caller(dtype: np.dtype[Any]) -> Callable[[Array, Array, Array, float], None]:
    """``call(a, b, out, β)`` for float type ``dtype``: out ← a·b + β·out by gemm (compiled where numba is installed,
    on first use; kept with the loaded library)."""
    gemms = _gemms()
    call = gemms["callers"].get(dtype)
    if call is None:
        with _LOADING:
            call = gemms["callers"].get(dtype)
            if call is None:
                try:
                    import numba  # noqa: F401  (only whether it is there)
                except ImportError:
                    call = _gemm_by_ctypes(gemms[dtype])
                else:
                    call = _gemm_compiled(gemms[dtype], dtype)
                gemms["callers"][dtype] = call
    return call  # type: ignore[no-any-return]


def matmul(a: Array, b: Array, out: Array | None = None) -> Array:
    """``a @ b`` (into ``out`` if given) by MKL's gemm where it pays and fits (see the module), else numpy's."""
    if not _suits_gemm(a, b, out):
        result: Array = np.matmul(a, b, out=out)
        return result
    target = np.empty((a.shape[0], b.shape[1]), dtype=a.dtype) if out is None else out
    _caller(a.dtype)(a, b, target, 0.0)
    return target


def affine(a: Array, b: Array, row: Array) -> Array:
    """``a @ b + row`` (row broadcast down the rows) as one gemm where it pays: the result is filled with the
    row, then gemm adds the product (β = 1), so the sum costs no pass of its own. Else numpy's two steps."""
    if not _suits_gemm(a, b, None) or type(row) is not np.ndarray or row.shape != (b.shape[1],):
        result: Array = np.matmul(a, b)
        result += row
        return result
    target = np.empty((a.shape[0], b.shape[1]), dtype=a.dtype)
    target[...] = row
    _caller(a.dtype)(a, b, target, 1.0)
    return target
