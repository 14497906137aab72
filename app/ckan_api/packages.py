"""CKAN package dicts ↔ catalog entries (see docs/api.md). STUB."""
