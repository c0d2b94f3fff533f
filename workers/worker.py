"""The project's worker: no fork per job, each job inside the app context and its tenant.

A worker that dies mid-job (SIGKILL, OOM, a lost node) must not lose the job. While a
job runs, a heartbeat thread renews its entry in RQ's StartedJobRegistry every
``WORKER_HEARTBEAT_SECONDS``; an entry not renewed for three beats is abandoned, and
the next registry clean-up of any worker (every beat, also on start-up) hands the job
back to its queue as a retry (``workers.retries.RETRY``: the first retry is at once).
"""

import threading

from redis.exceptions import RedisError
from rq import SimpleWorker
from rq.job import Job
from rq.timeouts import TimerDeathPenalty

from agency.extensions import db
from tenants import current_agency_id, set_current_agency
from workers.retries import is_transient

MISSED_BEATS = 3


def fail_fast_unless_transient(job, exc_type, exc_value, traceback) -> bool:
    """RQ exception handler: a permanent failure spends no retries."""
    if not is_transient(exc_value):
        job.retries_left = 0
    return True  # the next handler (RQ's own, which records the failure) runs too


class AgencyJob(Job):
    """A job that counts its attempts in its meta, in the pipeline that starts it."""

    def prepare_for_execution(self, worker_name, pipeline) -> None:
        super().prepare_for_execution(worker_name, pipeline)
        self.meta["attempts"] = self.meta.get("attempts", 0) + 1
        pipeline.hset(self.key, "meta", self._serialize_meta())


class AgencyWorker(SimpleWorker):
    """Runs jobs in-process (PERFORMANCE.md: forking caps dispatch near 75 jobs/s)."""

    job_class = AgencyJob

    def __init__(self, *args, app=None, **kwargs):
        if app is None:
            from agency import create_app

            app = create_app()
        beat = app.config["WORKER_HEARTBEAT_SECONDS"]
        kwargs.setdefault("job_monitoring_interval", beat)
        kwargs.setdefault("maintenance_interval", beat)
        super().__init__(*args, **kwargs)
        self.app = app
        self.push_exc_handler(fail_fast_unless_transient)
        self._running = None  # (job, execution) while a job runs
        self._running_lock = threading.Lock()
        self._beating = threading.Event()

    # --- the job's tenant -------------------------------------------------------------

    def perform_job(self, job, queue, execution=None):
        previous = current_agency_id()  # a job never leaves its tenant behind
        with self.app.app_context():
            try:
                set_current_agency(job.meta.get("agency_id"))
                return super().perform_job(job, queue, execution)
            finally:
                db.session.remove()
                set_current_agency(previous)

    # --- heartbeats while a job runs ---------------------------------------------------

    def get_heartbeat_ttl(self, job, working_time: float = 0.0) -> int:
        """How long a running job stays in the StartedJobRegistry without a heartbeat."""
        return self.job_monitoring_interval * MISSED_BEATS

    @property
    def dequeue_timeout(self) -> int:
        """An idle worker wakes each beat, so it cleans the registries promptly."""
        return max(1, min(self.worker_ttl - 15, self.maintenance_interval))

    def prepare_execution(self, job):
        execution = super().prepare_execution(job)
        with self._running_lock:
            self._running = (job, execution)
        return execution

    def handle_execution_ended(self, job, queue, heartbeat_ttl):
        with self._running_lock:
            self._running = None
        super().handle_execution_ended(job, queue, heartbeat_ttl)

    def execute_job(self, job, queue):
        try:
            super().execute_job(job, queue)
        finally:
            with self._running_lock:
                self._running = None

    def _beat(self) -> None:
        while not self._beating.wait(self.job_monitoring_interval):
            with self._running_lock:
                if self._running is None:
                    continue
                try:
                    self.maintain_heartbeats(*self._running)
                except RedisError:
                    self.log.warning("Worker %s: could not send a job heartbeat", self.name)

    def work(self, *args, **kwargs):
        self._beating.clear()
        beater = threading.Thread(target=self._beat, name="rq-job-heartbeat", daemon=True)
        beater.start()
        try:
            return super().work(*args, **kwargs)
        finally:
            self._beating.set()


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
    app.extensions["embedded_worker"] = worker
    if app.config["SCHEDULES_ENABLED"]:
        from workers import cron

        app.extensions["cron_stop"] = cron.start(connection)[1]
    return thread
