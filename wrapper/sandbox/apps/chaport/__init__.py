"""Chaport in the sandbox: `app` holds its actions and demo world, `rest` its REST API v1."""
