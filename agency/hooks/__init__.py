"""Webhooks from providers: each blueprint verifies its provider's signature first."""
