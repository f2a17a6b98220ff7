"""Modes are per thread, and pausing the garbage collector is safe from many threads.

Each test drives the threads into a fixed interleaving with events, so the order is
the same on every run; expected gradients are worked by hand.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable

import pytest

import autonode
from autonode import Value, detect_anomaly, gc_paused, no_grad
from autonode.errors import AnomalyError


def _run(*targets: Callable[[], None]) -> None:
    """Run each target in its own thread; re-raise the first failure in the caller."""
    errors: list[BaseException] = []

    def guarded(target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                target()
            except BaseException as error:  # handed to the main thread
                errors.append(error)

        return run

    threads = [threading.Thread(target=guarded(t)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]


def test_no_grad_in_one_thread_leaves_another_thread_recording() -> None:
    inside, checked = threading.Event(), threading.Event()

    def quiet() -> None:
        with no_grad():
            inside.set()
            checked.wait(30)
            assert not autonode.is_grad_enabled()
            assert (Value(2.0) * 3.0).parents == ()

    def recording() -> None:
        inside.wait(30)
        try:
            x = Value(3.0)
            y = x * x * 2.0 + x  # dy/dx = 4x + 1 = 13
            y.backward()
            assert x.grad == 13.0
            assert autonode.is_grad_enabled()
        finally:
            checked.set()

    _run(quiet, recording)


def test_many_threads_record_correct_gradients_while_others_toggle_no_grad() -> None:
    stop = threading.Event()
    wrong: list[float] = []

    def toggler() -> None:
        while not stop.is_set():
            with no_grad():
                Value(1.0) * 2.0

    def learner(start: float) -> Callable[[], None]:
        def run() -> None:
            for k in range(2000):
                x = Value(start + k)
                (x * x).backward()  # d(x²)/dx = 2x
                if x.grad != 2 * (start + k):
                    wrong.append(x.grad)

        return run

    togglers = [threading.Thread(target=toggler) for _ in range(2)]
    for t in togglers:
        t.start()
    try:
        _run(learner(1.0), learner(5000.0))
    finally:
        stop.set()
        for t in togglers:
            t.join(timeout=60)
    assert wrong == []
    assert autonode.is_grad_enabled()


def test_overlapping_no_grad_blocks_in_two_threads_leave_recording_on() -> None:
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with no_grad():
            a_in.set()
            b_in.wait(30)
        a_out.set()

    def second() -> None:
        a_in.wait(30)
        with no_grad():
            b_in.set()
            a_out.wait(30)  # the first block ends while this one is still open
            assert not autonode.is_grad_enabled()

    _run(first, second)
    assert autonode.is_grad_enabled()
    assert (Value(1.0) * 2.0).op == "*"


def test_a_new_thread_starts_recording_even_when_its_parent_is_in_no_grad() -> None:
    seen: list[bool] = []
    with no_grad():
        _run(lambda: seen.append(autonode.is_grad_enabled() and (Value(1.0) + 1.0).op == "+"))
        assert not autonode.is_grad_enabled()
    assert seen == [True]


def test_detect_anomaly_is_per_thread() -> None:
    inside, checked = threading.Event(), threading.Event()

    def watching() -> None:
        with detect_anomaly():
            inside.set()
            checked.wait(30)
            with pytest.raises(AnomalyError):
                Value(1000.0).exp()

    def plain() -> None:
        inside.wait(30)
        try:
            assert Value(1000.0).exp().data == float("inf")  # overflow policy: inf, no error
        finally:
            checked.set()

    _run(watching, plain)


def test_nested_no_grad_in_one_thread_restores_each_level() -> None:
    with no_grad():
        with autonode.enable_grad():
            assert (Value(1.0) * 2.0).op == "*"
            with no_grad():
                assert (Value(1.0) * 2.0).op == ""
            assert autonode.is_grad_enabled()
        assert not autonode.is_grad_enabled()
    assert autonode.is_grad_enabled()


def test_gc_paused_overlapping_in_two_threads_keeps_the_collector_off_until_the_last_ends() -> None:
    assert gc.isenabled()
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    during: list[bool] = []

    def first() -> None:
        with gc_paused():
            a_in.set()
            b_in.wait(30)
        a_out.set()

    def second() -> None:
        a_in.wait(30)
        with gc_paused():
            b_in.set()
            a_out.wait(30)
            during.append(gc.isenabled())  # the first pause has ended, this one has not

    _run(first, second)
    assert during == [False]
    assert gc.isenabled()


def test_gc_paused_from_four_threads_leaves_the_collector_enabled() -> None:
    assert gc.isenabled()
    barrier = threading.Barrier(4)

    def pauser() -> None:
        barrier.wait(30)
        for _ in range(3000):
            with gc_paused():
                pass

    for _ in range(3):
        _run(*(pauser for _ in range(4)))
        assert gc.isenabled()


def test_gc_paused_keeps_a_collector_the_caller_had_disabled_off() -> None:
    gc.disable()
    try:
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
