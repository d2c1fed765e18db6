"""What emails and letters share in rendering managers' templates: the sandbox they
compile in and the prose helpers that make merged data read as written by hand."""
