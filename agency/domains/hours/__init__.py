"""The hours ledger: time worked for a client, raw and billable by the contract's terms."""
