"""Bulk import of secretaries, clients and contacts from CSV."""
