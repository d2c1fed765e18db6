"""Retargeting ads: an audience as a customer list for each ad platform our brief
names (Google Ads, Meta, X, LinkedIn, AdRoll), in that platform's documented file
format. Files are downloaded by a manager and uploaded by hand; nothing pushes yet.

- selectors: who may go into a file (the consent rule);
- normalise: shared normalising and hashing of one value;
- formats: one small spec per platform, with the documentation it follows;
- files: an audience written as one platform's file, streamed.
"""
