"""Excel templates, parsing, validation and exports of catalog entries; knows nothing of app/."""
