"""Run several calls at once, each in a thread of its own, as concurrent requests or jobs
would: what each raised comes back for the test's assertion."""

import threading
from collections.abc import Callable, Iterable


def run_together(
    target: Callable, each: Iterable[tuple], timeout: float = 60, on_error: Callable = None
) -> list[Exception]:
    """``target(*args)`` for every ``args`` in ``each``, all started before any is awaited;
    the exceptions raised (``on_error`` is called at each, e.g. to free the others)."""
    errors: list[Exception] = []

    def guarded(*args):
        try:
            target(*args)
        except Exception as exc:  # noqa: BLE001 (returned to the test)
            errors.append(exc)
            if on_error is not None:
                on_error()

    threads = [threading.Thread(target=guarded, args=args) for args in each]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return errors
