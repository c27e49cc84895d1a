"""Keeping a Piper voice's memory bounded over an export of any length.

A run of a VITS model needs working memory in proportion to the audio it makes (about
1.2 MB a phoneme: 300 MB for a long sentence), and neither onnxruntime's arena nor
glibc gives it back on its own, so a long export's memory was the sum of its worst
pieces (586 MB over 20,000 words). Two bounds keep it at the model plus one run:

* :func:`cut_phonemes`: no run gets more than :data:`MAX_PHONEMES` (Piper makes one
  run per item of its ``phonemize``; :func:`bounded_voice` cuts those items).
* :class:`_Returning`: after every run the arena is shrunk and the C heap trimmed.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterator
from typing import Any

from reader.text.cutting import windows

# Piper's punctuation phonemes (what ends a clause or a sentence in its phoneme lists).
PUNCTUATION = re.compile(r"[.,;:!?¡¿—…\"«»“”()\[\]-]")


def bounded_voice(session: Any, config: Any) -> Any:
    """A ``PiperVoice`` on ``session`` with both bounds."""
    return _bounded_voice()(session=_Returning(session), config=config)


# Phonemes in one run of the model. A run's working memory grows with its audio (about
# 1.2 MB a phoneme): a sentence is cut at a word boundary (after a comma where there is
# one) when it has more, so a long sentence, or one that numbers spelled out made long,
# cannot take memory past the model and one bounded run (3% of the pieces of a
# 20,000-word export are cut; the longest had 379 phonemes).
MAX_PHONEMES = 240


@functools.cache
def _bounded_voice() -> Any:
    """``PiperVoice`` whose sentences are cut to :data:`MAX_PHONEMES` (Piper makes one
    run, and one ``AudioChunk``, per item of ``phonemize``)."""
    from piper import PiperVoice

    class BoundedVoice(PiperVoice):
        def phonemize(self, text: str) -> list[list[str]]:
            return [part for sentence in super().phonemize(text) for part in cut_phonemes(sentence)]

    return BoundedVoice


def cut_phonemes(phonemes: list[str], limit: int = MAX_PHONEMES) -> list[list[str]]:
    """``phonemes`` in parts of at most ``limit``, cut at a word boundary (a space),
    preferably one after punctuation, in the second half of the part; the space at a
    cut is dropped (:func:`reader.text.cutting.windows`)."""

    def after_marks(low: int, high: int) -> Iterator[int]:
        return (
            i
            for i in range(low, high)
            if phonemes[i] == " " and PUNCTUATION.fullmatch(phonemes[i - 1])
        )

    def spaces(low: int, high: int) -> Iterator[int]:
        return (i for i in range(low, high) if phonemes[i] == " ")

    spans = windows(0, len(phonemes), limit, (after_marks, spaces), drop_boundary=True)
    return [part for a, b in spans if (part := phonemes[a:b])]


class _Returning:
    """An onnxruntime session that gives its working memory back after every run.

    A run's buffers grow with the piece's audio (about 300 MB for a 200-character
    sentence); onnxruntime's arena keeps them, and glibc keeps what the arena frees,
    so a long export's memory was the sum of its worst pieces (586 MB over 20,000
    words). After each run the arena is shrunk and the C heap trimmed: memory then
    peaks at the model plus one piece. Piper calls only ``run``.
    """

    def __init__(self, session: Any) -> None:
        self.session = session
        self._lock = threading.Lock()
        self._running: Any = None  # the RunOptions of the run in progress

    def run(self, output_names: Any, feeds: Any) -> Any:
        import onnxruntime

        options = onnxruntime.RunOptions()
        options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
        with self._lock:
            self._running = options
        try:
            return self.session.run(output_names, feeds, options)
        finally:
            with self._lock:
                self._running = None
            _trim_heap()

    def interrupt(self) -> None:
        """End the run in progress now (from another thread): onnxruntime checks the
        flag between the model's nodes and the run raises. A listener's skip must not
        wait for a long sentence nobody will hear."""
        with self._lock:
            if self._running is not None:
                self._running.terminate = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)


def _trim_heap() -> None:
    """Return the C heap's free pages to the system (glibc's ``malloc_trim``; a no-op
    elsewhere)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Any:
    """glibc's ``malloc_trim`` from the symbols already in this process (no library
    search, which runs ``ldconfig``), found at the first run, not at import."""
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # musl has no malloc_trim
        return None
