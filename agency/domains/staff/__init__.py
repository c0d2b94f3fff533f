"""Secretaries: the agency's contracted staff."""
