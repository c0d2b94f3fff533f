"""The client's calendar: an iCalendar feed of what the agency arranged and when they are busy."""
