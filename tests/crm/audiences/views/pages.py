"""The audience pages' addresses, and the live count as the builder asks for it."""

import json

from django.urls import reverse

LIST, NEW, COUNT, PREVIEW = (
    reverse("audiences:list"),
    reverse("audiences:create"),
    reverse("audiences:count"),
    reverse("audiences:preview"),
)
IN_GERMANY = {"match": "all", "rules": [{"type": "country", "countries": ["DE"]}]}


def count(client, definition) -> tuple[int, dict]:
    text = definition if isinstance(definition, str) else json.dumps(definition)
    response = client.post(COUNT, {"definition": text})
    return response.status_code, response.json()
