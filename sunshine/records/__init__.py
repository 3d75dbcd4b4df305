"""Sunshine Law records requests."""
