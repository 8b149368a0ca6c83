"""Analysed waves kept in process memory, so pages and the API do not analyse on every request.

Analysing a large wave takes seconds. A cached :class:`ReviewResults` is keyed by the
database, the review, the wave, the anonymity minimum and the wave's *data fingerprint*
(:func:`colead.store.audit.wave_fingerprint`, one small query): any change to the data
behind the analysis gives a new fingerprint and so a new entry, which is why nothing stale
is ever served and nothing needs to be invalidated by hand. Old entries simply age out of
the bounded least-recently-used store.

Each entry can also keep things derived from its results (e.g. the rendered charts of the
dashboard), made at most once per fingerprint.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Engine

from colead.analysis.results import ReviewResults
from colead.jobs.analyse import analyse_review
from colead.store import transaction
from colead.store.audit import WaveFingerprint, wave_fingerprint

__all__ = ["CachedWave", "ResultsCache"]

T = TypeVar("T")

#: analyses kept at once; each large wave holds tens of MB of tables
DEFAULT_CAPACITY = 8

Analyse = Callable[[Engine, str, str, int], ReviewResults]


def _analyse(engine: Engine, review: str, wave: str, minimum: int) -> ReviewResults:
    return analyse_review(engine, review, wave, minimum)


@dataclass
class CachedWave:
    """One analysed wave and what has been derived from it."""

    results: ReviewResults
    fingerprint: WaveFingerprint
    _derived: dict[Hashable, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def derived(self, name: Hashable, build: Callable[[ReviewResults], T]) -> T:
        """``build(results)``, made once for this entry and kept with it."""
        with self._lock:
            if name not in self._derived:
                self._derived[name] = build(self.results)
            value: T = self._derived[name]
            return value


class ResultsCache:
    """A thread-safe, bounded LRU store of analysed waves.

    Parameters
    ----------
    capacity
        Most entries kept; the least recently used goes first.
    analyse
        The analysis (``engine, review, wave, minimum -> ReviewResults``); tests pass their own.
    """

    def __init__(self, capacity: int = DEFAULT_CAPACITY, analyse: Analyse = _analyse) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._analyse = analyse
        self._entries: OrderedDict[Hashable, CachedWave] = OrderedDict()
        # One lock per key being computed: a second request for the same wave waits for
        # the first analysis instead of starting its own; other waves go ahead.
        self._computing: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def entry(self, engine: Engine, review: str, wave: str, minimum: int) -> CachedWave:
        """The analysed wave as its data stands now (from memory when unchanged).

        Raises the analysis's own errors (``ReviewNotFound``, ``WaveNotFound`` ...) for a
        review or wave that does not exist.
        """
        with transaction(engine) as session:
            fingerprint = wave_fingerprint(session, review, wave)
        if fingerprint is None:
            # Let the analysis say what is missing, in its own words.
            self._analyse(engine, review, wave, minimum)
            raise AssertionError("the analysis found a wave the fingerprint did not")
        key = (engine.url.render_as_string(hide_password=True), review, wave, minimum, fingerprint)
        found = self._lookup(key)
        if found is not None:
            return found
        with self._lock:
            computing = self._computing.setdefault(key, threading.Lock())
        with computing:
            found = self._lookup(key)
            if found is not None:
                return found
            try:
                made = CachedWave(self._analyse(engine, review, wave, minimum), fingerprint)
                with self._lock:
                    self.misses += 1
                    self._entries[key] = made
                    while len(self._entries) > self.capacity:
                        self._entries.popitem(last=False)
            finally:
                with self._lock:
                    self._computing.pop(key, None)
        return made

    def results(self, engine: Engine, review: str, wave: str, minimum: int) -> ReviewResults:
        """Shorthand for ``entry(...).results``."""
        return self.entry(engine, review, wave, minimum).results

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def _lookup(self, key: Hashable) -> CachedWave | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
            return found
