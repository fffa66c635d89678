"""Reading pages the way a browser would: forms, links, and markup a payload may have injected.

Built on the standard library's ``html.parser`` so that the checks look at elements and
attributes as parsed, not at strings: an escaped ``&lt;script&gt;`` is text, a live ``<script>``
is an element.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from payloads import TEMPLATE_RESULTS

#: Elements our templates never use (no JavaScript, no frames, no inline styles): any on a page
#: was injected.
FORBIDDEN_ELEMENTS = frozenset(
    {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "style"}
)
URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "xlink:href", "srcdoc", "data", "poster", "background"}
)
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:text/html")
# Browsers ignore ASCII whitespace and control characters inside a URL's scheme.
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]+")


@dataclass
class Field:
    tag: str  # input, textarea, select, button
    name: str
    type: str = "text"
    value: str = ""
    checked: bool = False
    options: list[tuple[str, bool]] = field(default_factory=list)  # select: (value, selected)
    attrs: dict[str, str] = field(default_factory=dict)

    @property
    def numeric(self) -> bool:
        """A number, date part or id typed as text (GOV.UK inputs use inputmode)."""
        return self.type in ("number", "date", "range") or self.attrs.get("inputmode") in (
            "numeric",
            "decimal",
        )

    @property
    def free_text(self) -> bool:
        if self.tag == "textarea":
            return True
        return self.tag == "input" and self.type in ("text", "search", "email", "url", "tel")


@dataclass
class Form:
    action: str
    method: str
    enctype: str
    fields: list[Field] = field(default_factory=list)

    @property
    def signature(self) -> tuple[str, ...]:
        return tuple(sorted({f.name for f in self.fields if f.tag != "button"}))


class PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.links: list[str] = []
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self._form: Form | None = None
        self._textarea: Field | None = None
        self._select: Field | None = None
        self._option: tuple[str | None, bool] | None = None
        self._option_text: list[str] = []
        self._raw_text_tag: str | None = None

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {name.lower(): (value or "") for name, value in attrs_list}
        self.elements.append((tag, attrs))
        if tag == "a" and "href" in attrs:
            self.links.append(attrs["href"])
        elif tag == "form":
            self._form = Form(
                action=attrs.get("action", ""),
                method=attrs.get("method", "get").lower(),
                enctype=attrs.get("enctype", ""),
            )
            self.forms.append(self._form)
        elif tag in ("input", "button") and self._form is not None and attrs.get("name"):
            kind = attrs.get("type", "text" if tag == "input" else "submit").lower()
            self._form.fields.append(
                Field(
                    tag=tag,
                    name=attrs["name"],
                    type=kind,
                    value=attrs.get("value", ""),
                    checked="checked" in attrs,
                    attrs=attrs,
                )
            )
        elif tag == "textarea" and self._form is not None and attrs.get("name"):
            self._textarea = Field(tag="textarea", name=attrs["name"], type="textarea", attrs=attrs)
            self._form.fields.append(self._textarea)
        elif tag == "select" and self._form is not None and attrs.get("name"):
            self._select = Field(tag="select", name=attrs["name"], type="select", attrs=attrs)
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = (attrs.get("value"), "selected" in attrs)
            self._option_text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._close_option()
            self._select = None
        elif tag == "option":
            self._close_option()

    def _close_option(self) -> None:
        if self._select is not None and self._option is not None:
            value, selected = self._option
            text = "".join(self._option_text).strip()
            self._select.options.append((text if value is None else value, selected))
        self._option = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data
        if self._option is not None:
            self._option_text.append(data)
        self.text.append(data)


@functools.lru_cache(maxsize=512)
def parse(html: str) -> PageParser:
    """The parsed page (cached: the walks look at each page several times; treat as read-only)."""
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser


def injected_markup(html: str) -> list[str]:
    """Live markup on a page that can only have come from a payload (empty when clean)."""
    page = parse(html)
    problems = []
    for tag, attrs in page.elements:
        if tag in FORBIDDEN_ELEMENTS:
            problems.append(f"<{tag}> element {attrs}")
        if tag == "meta" and "http-equiv" in attrs:
            # The report job page refreshes itself (content="2"); a redirect elsewhere or any
            # other http-equiv was injected.
            refresh = attrs["http-equiv"].lower() == "refresh"
            if not refresh or "url" in attrs.get("content", "").lower():
                problems.append(f"<meta http-equiv> {attrs}")
        if tag == "img" and attrs.get("src") == "x":
            problems.append(f"<img src=x> {attrs}")
        for name, value in attrs.items():
            if name.startswith("on"):
                problems.append(f"event handler {name}={value!r} on <{tag}>")
            if name in URL_ATTRIBUTES:
                cleaned = _URL_NOISE.sub("", value).lower()
                if cleaned.startswith(DANGEROUS_SCHEMES):
                    problems.append(f"{name}={value!r} on <{tag}>")
                # Where a browser would go (backslashes read as slashes): another host?
                target = urlsplit(urljoin("http://localhost/page", cleaned.replace("\\", "/")))
                if "evil.example" in target.netloc:
                    problems.append(f"off-site {name}={value!r} on <{tag}>")
    text = "".join(page.text)
    problems.extend(
        f"evaluated template payload: {result!r} in the page"
        for result in TEMPLATE_RESULTS
        if result in text
    )
    return problems


def page_text(html: str) -> str:
    """Every text node and attribute value, unescaped (what a reader would see)."""
    page = parse(html)
    values = [value for _tag, attrs in page.elements for value in attrs.values()]
    return "\n".join(["".join(page.text), *values])


def same_site_path(base_url: str, href: str) -> str | None:
    """The path and query of a same-site link (None for other sites, anchors, mailto...)."""
    absolute = urljoin(base_url, href)
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https") or parts.netloc not in ("localhost", ""):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def form_data(form: Form, fill: dict[str, str], button: Field | None) -> dict[str, Any]:
    """What a browser would submit, with ``fill`` replacing the values of the named fields."""
    data: dict[str, list[str]] = {}
    for item in form.fields:
        if item.tag == "button" or item.type in ("submit", "image", "reset", "file"):
            continue
        if item.type in ("radio", "checkbox"):
            if item.name in fill and item.type == "radio":
                continue  # filled once below
            if item.checked:
                data.setdefault(item.name, []).append(item.value or "on")
            continue
        if item.tag == "select":
            chosen = [value for value, selected in item.options if selected]
            if not chosen:
                chosen = [next((v for v, _s in item.options if v), "")]
            data[item.name] = chosen
            continue
        data.setdefault(item.name, []).append(item.value)
    for name, value in fill.items():
        data[name] = [value]
    # A radio group nobody has chosen yet: choose the first option, as a user would.
    for item in form.fields:
        if item.type == "radio" and item.name not in data:
            data[item.name] = [item.value]
    if button is not None and button.name:
        data[button.name] = [button.value]
    return {name: values if len(values) > 1 else values[0] for name, values in data.items()}


def buttons(form: Form) -> list[Field]:
    return [f for f in form.fields if f.tag == "button" or f.type in ("submit", "image")] or [
        Field(tag="button", name="", type="submit")
    ]
