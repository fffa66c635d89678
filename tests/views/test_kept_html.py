"""The store of rendered fragments: reuse by key, least recently used dropped within a budget."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from socialvalue.views.kept_html import KeptHtml


class Renderer:
    """Renders "<p>key</p>" padded to a length, counting the calls."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, key: str, length: int = 10) -> Markup:
        def render() -> Markup:
            self.calls.append(key)
            body = f"<p>{key}</p>"
            return Markup(body + " " * (length - len(body)))  # noqa: S704 - fixed test text

        return render


def test_a_fragment_is_rendered_once_then_reused() -> None:
    kept, render = KeptHtml(budget=100, largest=50), Renderer()
    first = kept.get("a", render("a"))
    again = kept.get("a", render("a"))
    assert first == again == Markup("<p>a</p>  ")
    assert render.calls == ["a"]
    assert (kept.hits, kept.misses, len(kept), kept.used) == (1, 1, 1, 10)


def test_the_least_recently_used_go_first_once_over_budget() -> None:
    kept, render = KeptHtml(budget=30, largest=30), Renderer()
    for key in ("a", "b", "c"):
        kept.get(key, render(key))
    kept.get("a", render("a"))  # a is now the most recently used
    kept.get("d", render("d"))  # 40 > 30: b, the least recently used, goes
    assert kept.used == 30 and len(kept) == 3
    kept.get("b", render("b"))  # rendered again (and c goes)
    kept.get("a", render("a"))
    kept.get("d", render("d"))
    assert render.calls == ["a", "b", "c", "d", "b"]
    assert kept.used <= kept.budget


def test_a_fragment_over_the_largest_is_never_kept() -> None:
    kept, render = KeptHtml(budget=100, largest=20), Renderer()
    kept.get("small", render("small"))
    big = kept.get("big", render("big", length=21))
    assert len(big) == 21
    kept.get("big", render("big", length=21))
    assert render.calls == ["small", "big", "big"]
    assert len(kept) == 1 and kept.used == len("<p>small</p>")  # the small one is still there
    kept.get("small", render("small"))
    assert render.calls.count("small") == 1


def test_clear_empties_it() -> None:
    kept, render = KeptHtml(budget=100, largest=50), Renderer()
    kept.get("a", render("a"))
    kept.clear()
    assert (len(kept), kept.used) == (0, 0)
    kept.get("a", render("a"))
    assert render.calls == ["a", "a"]


@pytest.mark.parametrize(("budget", "largest"), [(10, 0), (10, 11), (0, 0)])
def test_a_budget_that_cannot_hold_a_fragment_is_refused(budget: int, largest: int) -> None:
    with pytest.raises(ValueError, match="largest"):
        KeptHtml(budget=budget, largest=largest)
