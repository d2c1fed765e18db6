"""Login lockouts (django-axes) for managers, at /settings/lockouts/: who is locked
out after too many failed logins, and lifting a lock before it runs out."""
