"""The client's portal."""
