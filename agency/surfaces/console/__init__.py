"""The agency manager's console."""
