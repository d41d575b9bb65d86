"""How a recipe runs: the engine, its scopes, step kinds, retries, rate limits and resume."""
