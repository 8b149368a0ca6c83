"""Coroutines run on an event loop of their own, in a thread of their own.

Another test in the same process (the browser suite drives Chromium through Playwright's
synchronous API) may leave an event loop on the main thread, and ``asyncio.run`` refuses to
start beside it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def own_loop(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``asyncio.run(make())`` in a fresh thread, its result or its exception."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()
