"""A long-running process's heap, settled once it has built the app.

Python's cycle collector now and then walks every object a process holds: the app's
models, metadata, templates and translations are hundreds of thousands of them, and one
such pass stops the process for a tenth of a second or more, in the middle of whatever
request or job is running. What the app builds at start lives as long as the process,
so ``settle`` moves it out of the collector's sight for good (``gc.freeze``); the
collector then walks only what requests and jobs allocate. Done before a server forks
its workers, it also spares the workers copying the pages the collector would touch.
"""

import gc


def settle() -> int:
    """Collect what starting left behind, then freeze what remains: the number of
    objects the collector will no longer walk."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
