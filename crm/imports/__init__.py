"""Importing lead lists: reading CSV and Excel files and recognising their columns."""
