"""Outgoing mail: every message is an outbox row first, then delivered."""
