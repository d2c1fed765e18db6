"""The letter pages: templates (managers write and preview them), runs (managers
make and approve print runs) and mailroom (the mailroom prints, mails and records
returns)."""
