"""The project's worker: no fork per job, each job inside the app context."""

import threading

from rq import SimpleWorker
from rq.timeouts import TimerDeathPenalty

from agency.extensions import db
from tenants import current_agency_id, set_current_agency


class AgencyWorker(SimpleWorker):
    """Runs jobs in-process (PERFORMANCE.md: forking caps dispatch near 75 jobs/s)."""

    def __init__(self, *args, app=None, **kwargs):
        super().__init__(*args, **kwargs)
        if app is None:
            from agency import create_app

            app = create_app()
        self.app = app

    def perform_job(self, job, queue, execution=None):
        previous = current_agency_id()  # a job never leaves its tenant behind
        with self.app.app_context():
            try:
                return super().perform_job(job, queue, execution)
            finally:
                db.session.remove()
                set_current_agency(previous)


class ThreadWorker(AgencyWorker):
    """The embedded worker: a thread inside the web process, no signals."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self):
        pass


def start_embedded(app) -> threading.Thread:
    """Serve the in-process queue from a daemon thread (no REDIS_URL), and tick every
    minute from a second one unless SCHEDULES_ENABLED is off."""
    from workers.queues import QUEUE_NAMES

    connection = app.extensions["redis"]
    worker = ThreadWorker(list(QUEUE_NAMES), connection=connection, app=app)
    thread = threading.Thread(target=worker.work, kwargs={"with_scheduler": False}, daemon=True)
    thread.name = "embedded-rq-worker"
    thread.start()
    if app.config["SCHEDULES_ENABLED"]:
        from workers import cron

        app.extensions["cron_stop"] = cron.start(connection)[1]
    return thread
