"""Public pages: the landing page and each agency's public page."""
