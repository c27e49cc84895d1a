"""Extraction: a URL, a saved page, a pasted scrape or stdin -> :class:`~reader.article.Article`.

HTML goes through trafilatura and then a pass for the ear (``html``); plain text
through the project's own cleaner (``plaintext``). Whether an input is HTML or text
is decided from its content, not its file name alone.
"""
