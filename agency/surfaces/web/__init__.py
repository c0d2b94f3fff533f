"""What the web surfaces share: who may open a page, the confirm form and field errors,
file and PDF responses, the call-rules page, error pages and a suspended agency's
read-only mode."""
