"""The podcast out: the feed file and playlist of an export folder, the folder that
``feeds sync --export`` keeps, and ``reader serve``."""
