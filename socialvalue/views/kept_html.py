"""Rendered HTML fragments kept in a worker's memory for reuse, within a size budget."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from markupsafe import Markup


class KeptHtml:
    """Fragments by key, least recently used dropped first once they hold more than ``budget``
    characters in all (about as many bytes: the HTML is nearly all ASCII). A fragment longer
    than ``largest`` is rendered every time and never kept, so one huge page cannot push out
    everything else.

    The key must hold every value the fragment shows: then a kept fragment is never stale,
    there is nothing to invalidate, and workers and servers need not share anything.
    """

    def __init__(self, budget: int, largest: int) -> None:
        if not 0 < largest <= budget:
            raise ValueError("largest must be positive and within the budget")
        self.budget = budget
        self.largest = largest
        self.hits = 0
        self.misses = 0
        self._fragments: OrderedDict[Hashable, Markup] = OrderedDict()
        self._used = 0
        self._lock = threading.Lock()

    @property
    def used(self) -> int:
        """Characters held now."""
        return self._used

    def __len__(self) -> int:
        return len(self._fragments)

    def get(self, key: Hashable, render: Callable[[], Markup]) -> Markup:
        """The fragment kept for ``key``, or ``render()``'s, kept if it fits."""
        with self._lock:
            fragment = self._fragments.get(key)
            if fragment is not None:
                self._fragments.move_to_end(key)
                self.hits += 1
                return fragment
            self.misses += 1
        fragment = render()
        if len(fragment) > self.largest:
            return fragment
        with self._lock:
            if key not in self._fragments:
                self._fragments[key] = fragment
                self._used += len(fragment)
                while self._used > self.budget:
                    _, dropped = self._fragments.popitem(last=False)
                    self._used -= len(dropped)
        return fragment

    def clear(self) -> None:
        with self._lock:
            self._fragments.clear()
            self._used = 0
