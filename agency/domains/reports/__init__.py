"""Reports: the figures of the manager's dashboard, on screen, in CSV and in the API."""
