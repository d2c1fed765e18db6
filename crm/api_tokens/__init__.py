"""API tokens: a manager makes one for an integration, acting as a user; only its
SHA-256 digest is stored, and the secret is shown once."""
