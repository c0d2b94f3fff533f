"""gunicorn's settings, read from the working folder: `gunicorn wsgi:app`.

The app is built once, in the master, before the workers fork (``preload_app``): a new
worker starts in milliseconds instead of importing and building the app, so a graceful
reload (``kill -HUP``) or a worker's restart leaves no gap under load. A worker drops any
database connection the master's pool might hold, so that no two processes share one.
Other settings come from the command line or ``GUNICORN_CMD_ARGS`` as usual (``-w``,
``--bind``); ``WEB_CONCURRENCY`` sets the number of workers.

Each worker serves requests from a pool of threads (``gthread``): an open desk holds one
connection, and one thread, for its live stream (`agency.kernel.live`), idle until
something it shows changes. ``WEB_THREADS`` (default 100) is how many requests and open
desks one worker holds at once: size it to the desks per worker, with room for their
other requests.

The master settles its heap once the app is built (``agency.kernel.heap``): the
collector's full passes then walk what requests allocate, not the whole app.
"""

import os

from agency.kernel import heap
from agency.kernel.database import db

preload_app = True
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "100"))


def when_ready(server):
    heap.settle()  # in the master, after the preloaded app, before the first fork


def post_fork(server, worker):
    app = server.app.wsgi()
    if "sqlalchemy" not in getattr(app, "extensions", {}):
        return  # another app served with these settings (a bench's bare endpoint)
    with app.app_context():
        db.engine.dispose(close=False)  # the master's connections stay the master's
