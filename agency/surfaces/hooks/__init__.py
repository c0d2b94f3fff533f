"""Webhooks the providers call: each verifies its caller first, then finds its agency."""
