"""Search backends behind one interface (the embedded engine and Elasticsearch); knows nothing of app/."""
