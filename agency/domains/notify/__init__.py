"""Outgoing email: recorded first, delivered by a queued job exactly once."""
