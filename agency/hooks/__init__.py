"""Webhooks the providers call: each finds its agency from what it is sent."""
