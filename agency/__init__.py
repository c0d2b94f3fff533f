"""Secretariat: the Flask application for secretarial agencies."""

from agency.app import create_app

__all__ = ["create_app"]
