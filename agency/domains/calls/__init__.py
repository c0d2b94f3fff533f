"""Calls and messages: the client's forwarded line, its rules, and the messages taken."""
