"""RQ's cron scheduler, run beside a worker: it enqueues the schedules tick every minute."""

import threading

from rq.cron import CronScheduler

from workers import jobs

TICK_SECONDS = 60


class ThreadCron(CronScheduler):
    """RQ's CronScheduler in a thread of the worker's process, stopped by an event."""

    def _install_signal_handlers(self):
        pass  # the worker in the main thread owns the signals

    def run(self, stop: threading.Event) -> None:
        self.register_birth()
        try:
            while not stop.is_set():
                if self.enqueue_jobs():
                    self.save()
                self.heartbeat()
                stop.wait(self.calculate_sleep_interval())
        finally:
            self.register_death()


def build(connection) -> ThreadCron:
    cron = ThreadCron(connection=connection)
    cron.register(jobs.tick, queue_name="default", interval=TICK_SECONDS, name="schedules-tick")
    return cron


def start(connection) -> tuple[threading.Thread, threading.Event]:
    """Run the cron scheduler from a daemon thread; set the event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(target=build(connection).run, args=(stop,), daemon=True)
    thread.name = "rq-cron"
    thread.start()
    return thread, stop
