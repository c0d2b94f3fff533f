"""Clients the agency works for, and the instructions secretaries work by."""
