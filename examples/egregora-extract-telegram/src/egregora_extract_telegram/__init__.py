"""egregora-extract-telegram: a worked example of a third-party Egregora extractor."""
