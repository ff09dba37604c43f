"""Question and start pages drawn once and sent again with this request's secrets put in.

A question page is the same for every family who reaches it with the same
answer chosen, except for three secrets: the CSRF token, the draft's token and
the Content-Security-Policy nonce (a survey's start page has the first and the
last). Drawing the page (the GOV.UK layout, the
question's radios and buttons) was about 1 ms of a 1.8 ms page; a page kept
with those secrets swapped for markers, and the markers swapped back for this
request's values, costs a few microseconds.

Kept only for pages with no error, no notice and no flashed message, and never
for a page carrying words someone typed (a text answer or a comment), so what
a family writes is never held in memory beyond their own request. Each app
keeps its own pages (tests build many apps with different settings), bounded,
oldest unused first out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping

from flask import current_app

#: Pages each process keeps per app: a few surveys x questions x chosen answers.
MAX_PAGES = 512


class PageMemo:
    """A bounded, thread-safe store of pages with their secrets replaced by markers."""

    def __init__(self, max_pages: int = MAX_PAGES) -> None:
        self.max_pages = max_pages
        self._pages: OrderedDict[Hashable, str] = OrderedDict()
        self._lock = threading.Lock()

    def render(self, key: Hashable, draw: Callable[[], str], secrets: Mapping[str, str]) -> str:
        """The page for ``key``: drawn by ``draw`` the first time, then filled in.

        ``secrets`` names this request's secret values, each of which ``draw``
        puts in the page; a page in which a secret does not appear exactly as
        given (so that it could not be put back) is sent but not kept.
        """
        with self._lock:
            kept = self._pages.get(key)
            if kept is not None:
                self._pages.move_to_end(key)
        if kept is not None:
            for name, value in secrets.items():
                kept = kept.replace(_marker(name), value)
            return kept
        page = draw()
        if all(value and value in page for value in secrets.values()):
            template = page
            for name, value in secrets.items():
                template = template.replace(value, _marker(name))
            with self._lock:
                self._pages[key] = template
                while len(self._pages) > self.max_pages:
                    self._pages.popitem(last=False)
        return page

    def __len__(self) -> int:
        return len(self._pages)


def _marker(name: str) -> str:
    # No page contains NUL, so a marker cannot be mistaken for page text.
    return f"\x00{name}\x00"


def page_memo() -> PageMemo:
    """This app's memo of respondent pages."""
    memo = current_app.extensions.get("respond_page_memo")
    if memo is None:
        memo = current_app.extensions.setdefault("respond_page_memo", PageMemo())
    return memo
