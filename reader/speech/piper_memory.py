"""Keeping a Piper voice's memory bounded over an export of any length.

A run of a VITS model needs working memory in proportion to the audio it makes (about
1.2 MB a phoneme: 300 MB for a long sentence), nearly all of it in the decoder, and
neither onnxruntime's arena nor glibc gives it back on its own, so a long export's
memory was the sum of its worst pieces (586 MB over 20,000 words). The bounds:

* :func:`split_model` and :class:`_Split`: the model as its encoder and its decoder,
  the decoder run over spans of at most :data:`SPAN_FRAMES` frames with context on
  each side (the same samples): a run's memory is bounded whatever its length, and the
  arena keeps it from run to run (no page faults to pay again).
* :func:`cut_phonemes`: no run gets more than :data:`MAX_PHONEMES` (Piper makes one
  run per item of its ``phonemize``; :func:`bounded_voice` cuts those items).
* :class:`_Returning`, for a model that cannot be split: after every run the arena is
  shrunk and the C heap trimmed (about 10% more CPU, in page faults).
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from reader.text.cutting import windows

# Piper's punctuation phonemes (what ends a clause or a sentence in its phoneme lists).
PUNCTUATION = re.compile(r"[.,;:!?¡¿—…\"«»“”()\[\]-]")


def bounded_voice(session: Any, config: Any) -> Any:
    """A ``PiperVoice`` on ``session`` (the whole model) with both bounds."""
    return _bounded_voice()(session=_Returning(session), config=config)


def split_voice(encoder: Any, decoder: Any, config: Any, *, returning: bool = True) -> Any:
    """A ``PiperVoice`` on the two sessions of a split model (:func:`split_model`):
    its decoder runs over bounded spans, so a run's memory is bounded. With
    ``returning`` that memory is also given back after every piece (see :class:`_Split`)."""
    session = _Split(encoder, decoder, returning=returning)
    return _bounded_voice()(session=session, config=config)


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


DECODER = "/dec/"  # the name prefix of the decoder's nodes in Piper's exported VITS models
# Frames of latent audio (256 samples each at 22,050 Hz: 11.6 ms) decoded in one run, and
# the frames of context on each side of a span: the decoder's receptive field is under 16
# frames (measured: spans with 16 frames of context give the whole run's samples exactly).
SPAN_FRAMES = 500
CONTEXT_FRAMES = 24


def split_model(model: Any) -> tuple[Any, Any] | None:
    """A Piper model (an onnx ``ModelProto``) as two: the encoder (phoneme ids to latent
    frames, plus any other output, such as the alignments) and the decoder (frames to
    audio). None when the model does not have that shape.

    A run's working memory is nearly all the decoder's (about 800 bytes a sample), and
    the decoder is convolutional with a short reach, so it can be run over bounded spans
    of frames with a little context and give the same samples: :class:`_Split`.
    """
    from onnx import AttributeProto, helper

    graph = model.graph
    if not graph.output or any(
        a.type in (AttributeProto.GRAPH, AttributeProto.GRAPHS)
        for node in graph.node
        for a in node.attribute
    ):
        return None
    producer = {out: node for node in graph.node for out in node.output}
    constants = {i.name for i in graph.initializer}
    inputs = {i.name for i in graph.input}
    decoder = [n for n in graph.node if n.name.startswith(DECODER)]
    made = {out for node in decoder for out in node.output}
    entries = {
        name
        for node in decoder
        for name in node.input
        if name
        and name not in made
        and name not in constants
        and getattr(producer.get(name), "op_type", "") != "Constant"
    }
    if len(entries) != 1:
        return None
    (latent,) = entries
    audio, *others = [o.name for o in graph.output]

    def nodes_for(wanted: list[str], stop: set[str]) -> list[Any] | None:
        picked: set[int] = set()
        seen = set(stop)
        todo = list(wanted)
        while todo:
            name = todo.pop()
            if not name or name in seen or name in constants:
                continue
            seen.add(name)
            node = producer.get(name)
            if node is None:
                if name not in inputs or stop != inputs:
                    return None  # the decoder would need a graph input
                continue
            if id(node) not in picked:
                picked.add(id(node))
                todo.extend(node.input)
        return [node for node in graph.node if id(node) in picked]

    first = nodes_for([latent, *others], inputs)
    second = nodes_for([audio], {latent})
    if not first or not second or audio in {o for n in first for o in n.output}:
        return None
    latent_info = helper.make_tensor_value_info(
        latent, graph.output[0].type.tensor_type.elem_type, None
    )
    by_name = {o.name: o for o in graph.output}

    def part(nodes: list[Any], ins: list[Any], outs: list[Any]) -> Any:
        used = {name for node in nodes for name in node.input}
        kept = [i for i in graph.initializer if i.name in used]
        sub = helper.make_graph(nodes, graph.name, ins, outs, kept)
        return helper.make_model(
            sub, opset_imports=list(model.opset_import), ir_version=model.ir_version
        )

    encoder = part(first, list(graph.input), [latent_info, *(by_name[o] for o in others)])
    return encoder, part(second, [latent_info], [by_name[audio]])


def split_files(model: Path, folder: Path, key: str, words: bool) -> tuple[Path, Path] | None:
    """``model`` as its encoder and decoder (:func:`split_model`), made once and kept in
    ``folder`` as ``KEY[.aligned].encoder.onnx`` and ``KEY.decoder.onnx`` (a second or
    two the first time); with ``words`` the encoder also gives the phoneme alignments
    (Piper's ``patch_voice_with_alignment``). None when the model cannot be split or the
    files cannot be written: it then runs whole (:class:`_Returning`)."""
    from reader import locations
    from reader.files import write_atomic

    encoder = folder / f"{key}{'.aligned' if words else ''}.encoder.onnx"
    decoder = folder / f"{key}.decoder.onnx"
    if encoder.is_file() and decoder.is_file():
        return encoder, decoder
    try:
        import onnx
    except ImportError:
        return None
    try:
        loaded = onnx.load(str(model))
        if words:
            from piper.patch_voice_with_alignment import add_alignment_output

            add_alignment_output(loaded)
        parts = split_model(loaded)
        if parts is None:
            return None
        data = [part.SerializeToString() for part in parts]
        del loaded, parts
    except Exception:  # a model onnx cannot read or patch: it runs whole
        return None
    try:
        locations.ensure(folder)
        write_atomic(decoder, data[1], suffix=".part")  # the encoder last: both are there
        write_atomic(encoder, data[0], suffix=".part")
    except (OSError, locations.FolderError):
        return None
    return encoder, decoder


class _Split:
    """A Piper model as its encoder and its decoder (:func:`split_model`); the decoder
    runs over spans of at most :data:`SPAN_FRAMES` frames (with
    :data:`CONTEXT_FRAMES` of context each side), so a run's memory is bounded
    whatever the sentence. Piper calls only ``run``; the rest is the encoder's.

    The arena still keeps the largest run's buffers, and as longer pieces come it grows
    in steps: a listener's process went from 322 to 364 MB over 18 minutes of a queue.
    With ``returning`` (listening) the arena is shrunk and the C heap trimmed after
    every piece that nothing else is queued behind (``followed`` false, set by the
    engine before each piece): a listener's engine makes one piece as one is heard and
    idles between them, so that is nearly every piece: 300 sentences end at 184 MB
    instead of 348, for 15% more CPU while synthesizing. A run of pieces queued
    together (a caller of ``synthesize`` reading ahead) keeps its buffers until the
    last. Export keeps them always (``returning=False``).
    """

    def __init__(self, encoder: Any, decoder: Any, *, returning: bool = True) -> None:
        self.session = encoder
        self.decoder = decoder
        self.returning = returning
        self.followed = False  # more pieces wait behind this one: keep the buffers
        self._latent = decoder.get_inputs()[0].name
        self._lock = threading.Lock()
        self._running: Any = None  # the RunOptions of the piece in progress
        self._stopped = False

    def run(self, output_names: Any, feeds: Any, run_options: Any = None) -> Any:
        import onnxruntime

        options = run_options
        returning = self.returning and not self.followed
        if options is None:
            options = onnxruntime.RunOptions()
            if returning:
                options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
        with self._lock:
            self._running, self._stopped = options, False
        try:
            latent, *others = self.session.run(None, feeds, options)
            return [self.decode(latent), *others]
        finally:
            with self._lock:
                self._running = None
            if returning:
                _trim_heap()

    def interrupt(self) -> None:
        """End the piece in progress now (from another thread), as
        :meth:`_Returning.interrupt` does: the run in hand raises, no span follows."""
        with self._lock:
            self._stopped = True
            if self._running is not None:
                self._running.terminate = True

    def _decoded(self, latent: Any) -> Any:
        with self._lock:
            options = self._running
        if self._stopped:
            raise RuntimeError("interrupted")
        return self.decoder.run(None, {self._latent: latent}, options)[0]

    def decode(self, latent: Any) -> Any:
        import numpy as np

        frames = int(latent.shape[-1])
        if frames <= SPAN_FRAMES + CONTEXT_FRAMES:
            return self._decoded(latent)
        count = -(-frames // SPAN_FRAMES)
        step = -(-frames // count)
        parts = []
        for start in range(0, frames, step):
            end = min(frames, start + step)
            a, b = max(0, start - CONTEXT_FRAMES), min(frames, end + CONTEXT_FRAMES)
            out = self._decoded(np.ascontiguousarray(latent[..., a:b]))
            hop, rest = divmod(int(out.shape[-1]), b - a)
            if rest:  # not a whole number of samples a frame: decode it whole instead
                return self._decoded(latent)
            parts.append(out[..., (start - a) * hop : (end - a) * hop])
        return np.concatenate(parts, axis=-1)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)


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
