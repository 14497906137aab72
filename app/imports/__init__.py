"""The web and command-line edge of Excel import and export, and its background jobs (Huey)."""
