"""The JSON API (/api/v1): public intake and status, and staff endpoints for integrations."""
