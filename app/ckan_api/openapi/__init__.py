"""/api/openapi.json — the OpenAPI 3.0 document of every JSON endpoint (the CKAN Action API and our own /api/v1) —
and /api/docs, the page that reads it to people, in Chinese first.

Both are generated from the declarations the endpoints themselves use: our own endpoints' parameters and JSON Schemas
(own_api), the catalog schema's fields and labels (the package dict's metadata keys, ckan.py) and the CKAN actions'
parameters (ckan.py). Nothing is kept as a hand-written JSON file, so nothing drifts. schemas.py holds the envelope
and its errors, document.py builds the document, views.py serves it and the docs page.

OpenAPI 3.0.3 rather than 3.1: schemathesis, openapi-spec-validator and the common client generators all handle 3.0
fully, and nothing here needs 3.1's JSON Schema (nullable values are 3.0's ``nullable``).
"""
from .document import document
from .views import bp

__all__ = ["bp", "document"]
