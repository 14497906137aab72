"""The read side: home page, the catalogs, entry pages. No writes."""
