"""reader: an offline, highlight-to-listen article reader for the terminal.

The package is a pipeline, one module per stage:

    extract (source -> Article) -> speech (text -> PCM chunks) -> audio/export (-> files)

with ``library`` remembering articles and highlights, and two front doors that call
the same functions: ``cli`` and ``tui``. Domain modules never import Textual.
"""

# The one place the version is written: pyproject.toml reads it (dynamic = ["version"]),
# `reader --version` and the fetcher's User-Agent print it; a release's CHANGELOG.md
# heading names it.
__version__ = "0.1.0"
