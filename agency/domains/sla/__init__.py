"""SLA targets, the holiday calendar, due times and the SLA report."""
