"""Comments of online responses coded after the reply, in batches, by one thread per process.

Coding a response's comments (themes, sentiment, personal data taken out) took
about 4 ms of a 8 ms submission, while the family waited for their reference.
The response is committed first, so nothing is lost by coding it a moment
later: the submit request puts its response in this queue and replies, and a
background thread codes whatever has gathered every ``COMMENT_CODING_SECONDS`` (1 s),
so the fixed cost of a coding run is shared by the responses of that moment.

If a process stops before a batch is coded (a worker killed, a restart), the
next queue to start in any process first codes what was left uncoded among the
responses of the last :data:`CATCH_UP` (``flask --app wsgi comments code``
codes anything older); on a normal exit the queue is coded before the process
ends. A batch whose coding fails (the database restarting, say) is tried again,
waiting twice as long each time, up to :data:`TRIES` times. With
``COMMENT_CODING_SECONDS = 0`` (the test settings) the submit request codes its
own comments.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from datetime import timedelta

from flask import Flask, current_app

from feedback import clock

log = logging.getLogger(__name__)

#: How far back a queue starting up looks for comments a stopped process left uncoded.
CATCH_UP = timedelta(days=2)

#: Tries for a response whose coding keeps failing before it is left to
#: ``flask --app wsgi comments code``; the wait doubles after each failure.
TRIES = 8

#: The longest wait between tries, in seconds.
LONGEST_WAIT = 60.0


class CommentQueue:
    """Response ids waiting for their comments to be coded, and the thread that codes them."""

    def __init__(self, app: Flask, gather: float) -> None:
        self.app = app
        self.gather = gather
        self._waiting: list[int] = []
        self._tries: dict[int, int] = {}
        self._busy = False
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def put(self, response_id: int) -> None:
        """Code this response's comments soon; returns at once."""
        with self._changed:
            self._waiting.append(response_id)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="comment-coding", daemon=True
                )
                self._thread.start()
            self._changed.notify_all()

    def join(self, timeout: float = 30) -> bool:
        """Wait until every response put so far is coded; whether that happened in time."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._waiting and not self._busy, timeout)

    def _run(self) -> None:
        caught_up = False
        failures = 0
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._waiting)
                self._busy = True
            # Let the responses of the next moment join this batch; longer after failures.
            time.sleep(min(self.gather * 2**failures, max(self.gather, LONGEST_WAIT)))
            with self._changed:
                batch, self._waiting = self._waiting, []
            try:
                if not caught_up:  # once per thread, with its first batch, until it works
                    caught_up = self.catch_up()
                if batch:  # drain() may have coded them meanwhile
                    failures = 0 if self.code(batch) else failures + 1
            finally:
                with self._changed:
                    self._busy = False
                    self._changed.notify_all()

    def code(self, response_ids: list[int]) -> bool:
        """Code the comments of ``response_ids`` now; whether that worked.

        Errors are logged, never raised; a failed batch waits to be tried again.
        """
        if self._coding(f"responses {response_ids}", response_ids=response_ids):
            for response_id in response_ids:
                self._tries.pop(response_id, None)
            return True
        self._again(response_ids)
        return False

    def _again(self, response_ids: list[int]) -> None:
        kept, given_up = [], []
        for response_id in response_ids:
            tries = self._tries.get(response_id, 0) + 1
            if tries < TRIES:
                self._tries[response_id] = tries
                kept.append(response_id)
            else:
                self._tries.pop(response_id, None)
                given_up.append(response_id)
        if given_up:
            log.error(
                "gave up coding the comments of responses %s after %d tries; "
                "`flask --app wsgi comments code` codes them",
                given_up,
                TRIES,
            )
        with self._changed:
            self._waiting[:0] = kept
            self._changed.notify_all()

    def catch_up(self) -> bool:
        """Code comments of recent responses that a stopped process left uncoded."""
        since = clock.now() - CATCH_UP
        return self._coding(f"responses received since {since:%Y-%m-%d %H:%M}", since=since)

    def _coding(self, what: str, **scope) -> bool:
        from feedback.extensions import db
        from feedback.services.comments import code_after_store

        try:
            with self.app.app_context():
                try:
                    code_after_store(db.session, **scope)
                finally:
                    db.session.remove()
        except Exception:  # the responses are stored: coded on a later try or by the CLI
            log.exception("could not code the comments of %s", what)
            return False
        return True

    def drain(self) -> None:
        """Code what is still waiting, in this thread (at exit), trying once."""
        with self._changed:
            batch, self._waiting = self._waiting, []
        if batch and not self.code(batch):
            with self._changed:
                self._waiting = []  # the process is ending: the CLI or a catch-up codes them


def comment_queue() -> CommentQueue | None:
    """This app's queue, or None when comments are coded in the submit request."""
    gather = current_app.config.get("COMMENT_CODING_SECONDS", 0)
    if not gather:
        return None
    queue = current_app.extensions.get("comment_queue")
    if queue is None:
        queue = current_app.extensions.setdefault(
            "comment_queue", CommentQueue(current_app._get_current_object(), gather)
        )
        atexit.register(queue.drain)
    return queue
