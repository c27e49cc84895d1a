"""The Textual app: read clean articles, select any passage and hear it at once."""
