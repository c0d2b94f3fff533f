"""``python -m workers``: a real RQ worker with the scheduler, queues in priority order."""

import argparse

from agency import create_app
from agency.config import from_environment
from workers.queues import QUEUE_NAMES
from workers.worker import AgencyWorker


def main() -> None:
    parser = argparse.ArgumentParser(description="Run a Secretariat RQ worker.")
    parser.add_argument("queues", nargs="*", default=list(QUEUE_NAMES))
    parser.add_argument("--burst", action="store_true", help="quit when the queues are empty")
    parser.add_argument("--no-scheduler", action="store_true")
    args = parser.parse_args()
    # No ping before each job's connection: a connection that died fails its job with a
    # transient error, and the retry (at once) reconnects. It saves a round trip per job.
    options = {**from_environment()["SQLALCHEMY_ENGINE_OPTIONS"], "pool_pre_ping": False}
    app = create_app({"SQLALCHEMY_ENGINE_OPTIONS": options})
    if not app.config["REDIS_URL"]:
        parser.error("REDIS_URL is not set: without it the web process runs the embedded worker")
    worker = AgencyWorker(args.queues, connection=app.extensions["redis"], app=app)
    worker.work(burst=args.burst, with_scheduler=not args.no_scheduler)


if __name__ == "__main__":
    main()
