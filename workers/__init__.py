"""RQ: named queues in priority order, thin job entry points, and the worker."""
