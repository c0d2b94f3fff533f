"""People who sign in: agency users with a role, and platform operators."""
