"""Email on the client's behalf: inbound mail and its triage, replies and drafts,
dictation, and letters on the client's letterhead."""
