"""The pause of one full pass of Python's cycle collector in a process that has built
the app and served its pages, with the app's objects in the collector's sight (as a
process that never settles its heap) beside the same process settled
(`agency.kernel.heap.settle`, as gunicorn's master and the worker do once the app is
built), in the same run.

    python bench/heap.py         (no server needed: the app on an in-memory SQLite)

Such a pass runs whenever enough objects have outlived two younger passes; the request
or job running then waits for it. The last line is the figure: the settled pass over
the unsettled one, each the median of ``PASSES``.
"""

import gc
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import app_from, load_line  # noqa: E402

PASSES = int(os.environ.get("BENCH_PASSES", 7))
PAGES = ("/login", "/signup", "/healthz")
LANGUAGES = ("en", "de", "nl", "pt", "et", "id")


def full_pass_ms() -> float:
    """The median time of ``PASSES`` full collections, in milliseconds."""
    times = []
    for _ in range(PASSES):
        started = time.perf_counter()
        gc.collect()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def serve(client) -> None:
    for language in LANGUAGES:
        for page in PAGES:
            client.get(page, headers={"Accept-Language": language})


def main() -> None:
    app = app_from({"DATABASE_URL": "sqlite://", "REDIS_URL": "", "SECRET_KEY": "bench"})
    client = app.test_client()
    serve(client)  # the templates compiled, every catalogue loaded
    walked = len(gc.get_objects())
    unsettled = full_pass_ms()
    from agency.kernel import heap

    frozen = heap.settle()
    serve(client)  # what requests leave behind is walked again
    settled = full_pass_ms()
    print(f"unsettled: {walked} objects walked, a full pass {unsettled:.1f} ms")
    print(f"settled: {len(gc.get_objects())} objects walked ({frozen} frozen), "
          f"a full pass {settled:.1f} ms")  # fmt: skip
    print(load_line())
    print(
        f"heap: ratio={settled / unsettled:.3f} (a full collection's pause, settled vs "
        f"unsettled: {settled:.1f} ms vs {unsettled:.1f} ms)"
    )


if __name__ == "__main__":
    main()
