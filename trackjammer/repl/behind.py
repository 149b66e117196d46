"""What the REPL builds behind its prompt, and waiting for it.

The prompt is drawn before the session, the engine and the output are made
(repl/app.py): the performer sees it at once and types while a thread of
its own builds them. Whatever needs them waits here, so an input submitted
early runs once they are ready, never against half of them.
"""

from __future__ import annotations

import threading
from typing import Callable


class Behind:
    """`build` on a thread of its own once started; then `after` (a head
    start nobody waits for) or, when it raised, `failed` with the error."""

    def __init__(self, build: Callable[[], None], after: Callable[[], None],
                 failed: Callable[[BaseException], None]):
        self._build, self._after, self._failed = build, after, failed
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None  # what the build raised

    def start(self) -> None:
        """Build now, on its own thread (once: a second call changes nothing)."""
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, name="trackjammer-behind-prompt", daemon=True)
        self._thread.start()

    @property
    def ready(self) -> bool:
        """Built without error (never waits: for the status bar)."""
        return self._done.is_set() and self.error is None

    def wait(self) -> bool:
        """Wait until built (started here if it was not: whoever waits never
        waits for a build that does not come); whether it went without error."""
        self.start()
        self._done.wait()
        return self.error is None

    def _run(self) -> None:
        try:
            self._build()
        except BaseException as error:  # noqa: BLE001 - kept, and said by the REPL's own thread
            self.error = error
        finally:
            self._done.set()
        if self.error is not None:
            self._failed(self.error)
        else:
            self._after()
