"""Billing: the hours ledger's audit, expenses, invoices and the agency's own Stripe account."""
