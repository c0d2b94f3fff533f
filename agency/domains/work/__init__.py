"""Work items: every piece of work for a client, routed to a secretary and worked at the desk."""
