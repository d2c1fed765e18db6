"""Which leads are in an audience: the definition, its checks, and its SQL.

A definition is a tree of rules combined with AND ("all") or OR ("any"):

    {"match": "all" | "any", "rules": [rule or group, ...]}

A group has the same shape and nests inside another; with the top one, groups
are at most three levels deep. A rule is {"type": ..., <its parameters>} and
may say "negate": true to keep the leads it does *not* match.

The modules, one job each: base (what a rule is), catalogue (RULE_TYPES: the
types and their parameters), compilers (each type's SQL), wording (each type's
words), checking (definition_clean), compiling (the definition into SQL),
describing (the definition in words), schema (for the builder's script).

checking.definition_clean() checks a definition and raises DefinitionError with the
messages keyed by the path of the field ("rules.1.days", "rules.2.rules.0.campaign").
compiling.audience_leads() compiles a clean definition into one queryset of Lead: each
behaviour rule is EXISTS (SELECT 1 FROM interaction WHERE lead_id = lead.id AND
kind = ... [AND occurred_at >= now - N days]), NOT EXISTS when negated, which
PostgreSQL plans as semi- and anti-joins over the (kind, occurred_at) index or,
for one campaign, (campaign, kind). Counting rules (pages, time on site) group
the window's interactions once: lead.id IN (SELECT lead_id ... GROUP BY lead_id
HAVING ...). Nothing is decided per lead in Python.

What the rules read from interactions:
- web_visit: `path` (the page) and data["seconds"] (time on the page, a number);
- content_download: data["content"] (the title of what was downloaded);
- purchase: data["products"] (a list of product codes; data["product"], one code,
  also counts) and data["value"] (not read here);
- booth_visit / giveaway_entry: `campaign` (the event or giveaway);
- app_event: data["name"] (what the lead did in our product, e.g. "project_created",
  matched exactly).
"""
