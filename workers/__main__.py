"""``python -m workers``: a real RQ worker with the scheduler, queues in priority order,
and RQ's cron scheduler enqueuing the schedules tick every minute."""

import argparse

from agency.app import create_app
from agency.config import from_environment
from agency.kernel import heap
from agency.kernel.queue import QUEUE_NAMES
from workers import cron
from workers.worker import AgencyWorker


def main() -> None:
    parser = argparse.ArgumentParser(description="Run a Secretariat RQ worker.")
    parser.add_argument("queues", nargs="*", default=list(QUEUE_NAMES))
    parser.add_argument("--burst", action="store_true", help="quit when the queues are empty")
    parser.add_argument("--no-scheduler", action="store_true")
    parser.add_argument(
        "--no-cron",
        action="store_true",
        help="do not enqueue the minute tick (recurring work, SLA watchdog) from this worker",
    )
    args = parser.parse_args()
    # No ping before each job's connection: a connection that died fails its job with a
    # transient error, and the retry (at once) reconnects. It saves a round trip per job.
    options = {**from_environment()["SQLALCHEMY_ENGINE_OPTIONS"], "pool_pre_ping": False}
    app = create_app({"SQLALCHEMY_ENGINE_OPTIONS": options})
    if not app.config["REDIS_URL"]:
        parser.error("REDIS_URL is not set: without it the web process runs the embedded worker")
    heap.settle()  # the app is built: the collector walks only what jobs allocate
    connection = app.extensions["redis"]
    worker = AgencyWorker(args.queues, connection=connection, app=app)
    ticking = app.config["SCHEDULES_ENABLED"] and not (args.no_cron or args.burst)
    thread, stop = cron.start(connection) if ticking else (None, None)
    try:
        worker.work(burst=args.burst, with_scheduler=not args.no_scheduler)
    finally:
        if thread is not None:
            stop.set()
            thread.join(timeout=10)


if __name__ == "__main__":
    main()
