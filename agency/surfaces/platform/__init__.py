"""The operator's view of all agencies."""
