"""The terms a client buys: hours, rates, rounding and approval."""
