"""A rated person's own pages, reached by their link (``/p/TOKEN``)."""
