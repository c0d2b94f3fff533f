"""Signing up, in and out; invitations, password reset and the user's own settings."""
