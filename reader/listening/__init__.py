"""Listening: the session player, the queue ("Up next"), listened state and remote
control (media keys through MPRIS), shared by the TUI and ``reader listen``.

Domain code: no Textual here (the import-linter contract in pyproject.toml).
"""
