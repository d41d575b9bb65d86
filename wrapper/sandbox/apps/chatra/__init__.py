"""Chatra in the sandbox: `app` holds its routes, actions and demo world in one module."""
