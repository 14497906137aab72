"""The catalog metadata schema: the single declaration of every catalog field (pure Python, no Flask, no ORM)."""
from .spec import CatalogSchema, FieldSpec, Section, Term, Vocabulary, get_schema, load_schema
from .problems import Problem
from .validation import (control_character, control_character_message, marshmallow_schemas, split_tags,
                         validate_entry, validate_import_only)

__all__ = [
    "CatalogSchema", "FieldSpec", "Problem", "Section", "Term", "Vocabulary", "control_character",
    "control_character_message", "get_schema", "load_schema", "marshmallow_schemas", "split_tags", "validate_entry",
    "validate_import_only",
]
