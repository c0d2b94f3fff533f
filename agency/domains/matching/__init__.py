"""Ranking the agency's secretaries for a client."""
