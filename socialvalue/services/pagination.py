"""Pages of a list, for every list page of the web service and every list of the API.

A list is paged in SQL (LIMIT/OFFSET, with a count), never by loading everything and slicing
it in Python. ``?page=N`` is parsed here once: a page number that is not a whole number from 1
up, or that is past the last page, is an ``InvalidPage`` (the web pages answer 404).

Links follow the GOV.UK Design System pagination component: previous and next, the first and
last page, the current page with one either side, and an ellipsis for each gap
(templates/_macros.html ``pagination``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

T = TypeVar("T")

#: Rows on one page of a web list.
PER_PAGE = 25
#: The largest page number anyone can ask for (as the API's own schema allows).
MAX_PAGE = 1_000_000


class InvalidPage(ValueError):
    """The page asked for is not a page of this list."""


def parse_page(raw: str | None) -> int:
    """``?page=`` as a page number: absent or blank is page 1; anything other than a whole
    number from 1 to MAX_PAGE (``0``, ``-1``, ``2.5``, ``abc``, ``99999999999``) is invalid."""
    if raw is None or not raw.strip():
        return 1
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_PAGE)):
        raise InvalidPage(raw)
    number = int(text)
    if not 1 <= number <= MAX_PAGE:
        raise InvalidPage(raw)
    return number


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its rows, where it is, and how many rows there are in all."""

    items: Sequence[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_number(self) -> int:
        """The position of the first row shown (1-based; 0 on an empty list)."""
        return 0 if not self.items else (self.page - 1) * self.per_page + 1

    @property
    def last_number(self) -> int:
        return 0 if not self.items else self.first_number + len(self.items) - 1

    def numbers(self) -> list[int | None]:
        """The page numbers to link to, ``None`` standing for an ellipsis (the GOV.UK pattern:
        first, last, the current page and one either side)."""
        shown = sorted(
            {1, self.pages, *range(max(1, self.page - 1), min(self.pages, self.page + 1) + 1)}
        )
        out: list[int | None] = []
        for number in shown:
            if out and number - (out[-1] or 0) > 1:
                out.append(None)
            out.append(number)
        return out

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return self.total > 0


def count_rows(session: Session, query: sa.Select[Any]) -> int:
    """How many rows ``query`` returns (its ORDER BY dropped: counting does not need it)."""
    counted = sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    return int(session.execute(counted).scalar_one())


def paginate(
    session: Session,
    query: sa.Select[Any],
    page: int,
    per_page: int = PER_PAGE,
    *,
    total: int | None = None,
    scalars: bool = True,
) -> Page[Any]:
    """Run ``query`` (which must have a total ORDER BY) for one page, and count its rows.

    Two statements; ``total`` may be given when it is known more cheaply. Raises
    ``InvalidPage`` for a page past the last one (page 1 of an empty list is fine).
    """
    if page < 1:
        raise InvalidPage(str(page))
    if total is None:
        total = count_rows(session, query)
    if page > 1 and (page - 1) * per_page >= total:
        raise InvalidPage(str(page))
    result = session.execute(query.limit(per_page).offset((page - 1) * per_page))
    rows = list(result.scalars()) if scalars else list(result.all())
    return Page(items=rows, page=page, per_page=per_page, total=total)
