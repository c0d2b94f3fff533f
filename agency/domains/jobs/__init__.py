"""The queue's jobs as an agency sees them: its failed jobs, retried or discarded."""
