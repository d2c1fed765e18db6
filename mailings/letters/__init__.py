"""Printed direct mail: envelope-ready letters and address labels as PDF.

postal (address formatting and checks) -> pdf / labels (HTML from templates) ->
engine (WeasyPrint with the locked fetcher of fetcher.py and a time limit).
"""
