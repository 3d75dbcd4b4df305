"""Deadlines: clocks with policies, pauses, extensions, reminders and the sweep."""
