"""The API's result cache: identical requests in flight compute once (single flight)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from culturebridge.api._deps import ResultCache


def test_twenty_identical_cold_requests_compute_once() -> None:
    cache = ResultCache(16)
    calls = []

    def slow() -> str:
        calls.append(threading.get_ident())
        time.sleep(0.2)
        return "answer"

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda _: cache.get_or_compute("k", slow), range(20)))
    assert answers == ["answer"] * 20
    assert len(calls) == 1 and cache.computed == 1
    assert cache.peek("k") == (True, "answer")
    assert cache.peek("other") == (False, None)


def test_a_failed_computation_fails_only_its_own_request() -> None:
    cache = ResultCache(16)
    started = threading.Event()
    attempts = []

    def flaky() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            started.set()
            time.sleep(0.1)
            raise RuntimeError("the first try breaks")
        return "fine"

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(cache.get_or_compute, "k", flaky)
        started.wait()
        second = pool.submit(cache.get_or_compute, "k", flaky)  # waits for the first
        with pytest.raises(RuntimeError):
            first.result()
        assert second.result() == "fine"
    assert cache.get_or_compute("k", flaky) == "fine"
