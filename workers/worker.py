"""The project's worker: no fork per job, each job inside the app context and its tenant.

A worker that dies mid-job (SIGKILL, OOM, a lost node) must not lose the job. While a
job runs, a heartbeat thread renews its entry in RQ's StartedJobRegistry every
``WORKER_HEARTBEAT_SECONDS``; an entry not renewed for three beats is abandoned, and
the next registry clean-up of any worker (every beat, also on start-up) hands the job
back to its queue as a retry (``agency.kernel.retries.RETRY``: the first retry is at once).

A stopping worker never waits on its command channel: rq's reader thread blocks for up
to a minute per read, and the worker wakes it (``unsubscribe``) instead of waiting it out.
A job's time limit by ``SIGALRM`` gives back any alarm that was set before the job, so a
process that limits its own time that way (a test runner) keeps its limit.
"""

import contextlib
import signal
import threading
import time

from redis.exceptions import RedisError
from rq import SimpleWorker
from rq.job import Job
from rq.timeouts import TimerDeathPenalty, UnixSignalDeathPenalty

from agency.kernel import publishing
from agency.kernel.database import db
from agency.kernel.queue import QUEUE_NAMES
from agency.kernel.retries import is_transient
from tenants import current_agency_id, set_current_agency
from workers import cron

MISSED_BEATS = 3
# How long the command channel's reader blocks on one read, and how long a stopping
# worker waits for it to end.
COMMAND_READ_SECONDS = 1.0


def fail_fast_unless_transient(job, exc_type, exc_value, traceback) -> bool:
    """RQ exception handler: a permanent failure spends no retries."""
    if not is_transient(exc_value):
        job.retries_left = 0
    return True  # the next handler (RQ's own, which records the failure) runs too


class AlarmDeathPenalty(UnixSignalDeathPenalty):
    """rq's job time limit by ``SIGALRM``, which puts back the handler and the time left
    on an alarm that was set before the job (rq's own turns the alarm off for good)."""

    def setup_death_penalty(self):
        self._previous = signal.getsignal(signal.SIGALRM)
        self._previous_left = signal.getitimer(signal.ITIMER_REAL)[0]
        self._started = time.monotonic()
        super().setup_death_penalty()

    def cancel_death_penalty(self):
        super().cancel_death_penalty()
        if self._previous is not None:
            signal.signal(signal.SIGALRM, self._previous)
        if self._previous_left:
            left = self._previous_left - (time.monotonic() - self._started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.001))


class AgencyJob(Job):
    """A job that counts its attempts in its meta, in the pipeline that starts it."""

    def prepare_for_execution(self, worker_name, pipeline) -> None:
        super().prepare_for_execution(worker_name, pipeline)
        self.meta["attempts"] = self.meta.get("attempts", 0) + 1
        pipeline.hset(self.key, "meta", self._serialize_meta())


class AgencyWorker(SimpleWorker):
    """Runs jobs in-process (PERFORMANCE.md: forking caps dispatch near 75 jobs/s)."""

    job_class = AgencyJob
    death_penalty_class = AlarmDeathPenalty

    def __init__(self, *args, app, **kwargs):
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
                publishing.flush(self.app)  # the job's changes reach the live pages as it ends
                set_current_agency(previous)

    # --- rq's command channel ---------------------------------------------------------

    def subscribe(self):
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=COMMAND_READ_SECONDS,
            daemon=True,
            exception_handler=self._pubsub_exception_handler,
        )

    def unsubscribe(self):
        """Stop the reader first, then unsubscribe: the server's reply ends its read."""
        thread = self.pubsub_thread
        if thread is None:
            return
        thread.stop(timeout=0)
        with contextlib.suppress(RedisError):  # a lost connection has ended the read too
            self.pubsub.unsubscribe()
        thread.join(timeout=COMMAND_READ_SECONDS)
        self.pubsub.close()
        self.pubsub_thread = None

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
    """The embedded worker: a thread inside the web process, no signals. It looks for a
    stop between jobs and, while idle, every second (its queue is in the process's
    memory, so a wait costs nothing)."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self):
        pass

    def dequeue_job_and_maintain_ttl(self, timeout, max_idle_time=None):
        if timeout is None:  # a burst: nothing to wait for
            return super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)
        while not self._stop_requested:
            found = super().dequeue_job_and_maintain_ttl(timeout, max_idle_time=1)
            if found is not None:
                return found
        return None

    def stop(self) -> None:
        """Stop after the job at hand (rq's own flag, read between jobs)."""
        self._stop_requested = True


def start_embedded(app) -> threading.Thread:
    """Serve the in-process queue from a daemon thread (no REDIS_URL), and tick every
    minute from a second one unless SCHEDULES_ENABLED is off."""

    connection = app.extensions["redis"]
    worker = ThreadWorker(list(QUEUE_NAMES), connection=connection, app=app)
    thread = threading.Thread(target=worker.work, kwargs={"with_scheduler": False}, daemon=True)
    thread.name = "embedded-rq-worker"
    thread.start()
    app.extensions["embedded_worker"] = (worker, thread)
    if app.config["SCHEDULES_ENABLED"]:
        app.extensions["embedded_cron"] = cron.start(connection)
    return thread


def stop_embedded(app, timeout: float = 10.0) -> None:
    """Stop the embedded tick and worker (after the job at hand) and wait for them."""
    threads = []
    cron = app.extensions.pop("embedded_cron", None)
    if cron is not None:
        thread, stop = cron
        stop.set()
        threads.append(thread)
    embedded = app.extensions.pop("embedded_worker", None)
    if embedded is not None:
        worker, thread = embedded
        worker.stop()
        threads.append(thread)
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
