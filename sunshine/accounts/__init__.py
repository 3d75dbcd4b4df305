"""Accounts: requesters and staff, sign-in, roles."""
