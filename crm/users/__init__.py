"""The people who use the CRM and their roles, at /settings/users/: a manager
invites someone (an email with a link to set their password), changes a role,
reactivates someone. Deactivating someone hands their work over first, which is
followups' to do (followups/handover/)."""
