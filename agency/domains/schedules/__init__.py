"""Recurring work: rules that turn into work items at their local wall-clock times."""
