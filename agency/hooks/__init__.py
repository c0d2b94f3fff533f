"""Webhooks that providers call: each authenticates its caller and hands work to services."""
