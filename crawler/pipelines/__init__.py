"""Item pipelines: validate, deduplicate and write article records."""
