"""Retargeting ads: an audience as a customer list for each ad platform our brief
names (Google Ads, Meta, X, LinkedIn, AdRoll), in that platform's documented file
format, downloaded by a manager; and, for Meta and Google Ads, pushed and kept in
sync through an ad connection.

- selectors: who may go into a file or an ad audience (the consent rule);
- normalise: shared normalising and hashing of one value;
- formats: one small spec per platform, with the documentation it follows;
- files: an audience written as one platform's file, streamed;
- backends: one per pushing platform (add, remove, replace all);
- models, services, jobs, hooks: connections (crypto: the token encrypted), links
  of an audience to an ad audience, and the diff-based sync with its ledger and log.
"""
