"""What a browser sends for a form of a rendered page: each named input's value, the chosen
option of each select, ticked checkboxes only (as ``on`` without a value), textareas' text."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from services.backoffice.formats import Formats
from services.backoffice.web import TEMPLATES


class _Form(HTMLParser):
    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside = form_id, False
        self.fields: dict[str, str] = {}
        self.select: str | None = None
        self.first_option: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        seen = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.inside = seen.get("id") == self.form_id
        if not self.inside:
            return
        name = seen.get("name")
        if tag == "input" and name:
            if seen.get("type") == "checkbox":
                if "checked" in seen:
                    self.fields[name] = seen.get("value") or "on"
            else:
                self.fields[name] = seen.get("value", "")
        elif tag == "select" and name:
            self.select, self.first_option = name, None
        elif tag == "option" and self.select is not None:
            value = seen.get("value", "")
            if self.first_option is None:
                self.first_option = value
                self.fields.setdefault(self.select, value)
            if "selected" in seen:
                self.fields[self.select] = value
        elif tag == "textarea" and name:
            self.textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.inside and self.textarea is not None:
            self.fields[self.textarea] += data


def submitted(html: str, form_id: str) -> dict[str, str]:
    """The fields the form ``form_id`` of ``html`` sends when submitted untouched."""
    parser = _Form(form_id)
    parser.feed(html)
    return dict(parser.fields)


def configuration_page(
    cycle: dict[str, Any],
    cycles: list[dict[str, Any]] | None = None,
    credit: dict[str, Any] | None = None,
) -> str:
    """The back office's configuration page with the cycle form filled with ``cycle`` (and
    ``credit``: the approval-wide credit approver, as GET /credit-settings answers it)."""
    return TEMPLATES.env.get_template("configuration.html").render(
        viewer=None,
        csrf="t",
        fmt=Formats(),
        people=[],
        away={},
        cycles=cycles or [],
        storefronts=[],
        credit=credit or {},
        price_lists=[],
        cycle=cycle,
        error="",
        done=None,
    )
