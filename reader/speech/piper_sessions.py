"""onnxruntime sessions for a Piper voice: their options, and the encoder's graph
optimized once and kept.

Opening a session optimizes its graph first, and for joe's encoder that was most of
the voice's load: 0.23 s of every ``reader export``, ``reader listen`` and TUI start
(the decoder: 0.01 s). The encoder is therefore kept optimized beside the split model
in the cache folder (:func:`open_prepared`): the first load writes it (at the
"extended" level, which the onnxruntime docs call portable across machines, and named
with onnxruntime's version), the next ones open it with optimization off in 0.07 s.
Its outputs are the same to the bit (tests/speech/test_speech_piper.py).
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path
from typing import Any

from reader.speech.espeak import SpeechError
from reader.speech.piper_models import _reason


def new_options(threads: int, spinning: bool) -> Any:
    """Session options: ``threads`` intra-op threads (0: onnxruntime's default, one a
    core), busy-waiting between runs only when ``spinning``; no log on the terminal."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    if not spinning:
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    # Fatal only: its warnings and errors print on the terminal in colour (reader says
    # what failed in one line).
    options.log_severity_level = 4
    # Memory patterns are planned per input shape, and every piece has its own: off,
    # 40 MB less at peak over a 1,000-word passage, no slower.
    options.enable_mem_pattern = False
    return options


def open_session(label: str, path: Path, options: Any) -> Any:
    """An onnxruntime session on ``path``; a :class:`SpeechError` naming ``label`` (the
    voice's model) when it cannot be opened."""
    import onnxruntime

    try:
        return onnxruntime.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as error:
        reason = _reason(error)
        raise SpeechError(label, f"not a usable ONNX voice model ({reason})") from None


def prepared_path(path: Path) -> Path:
    """Where the optimized copy of ``path`` is kept (per onnxruntime version)."""
    import onnxruntime

    version = re.sub(r"[^0-9A-Za-z.]", "", onnxruntime.__version__)
    return path.with_name(f"{path.stem}.ort{version}.onnx")


def open_prepared(label: str, path: Path, threads: int, spinning: bool) -> Any:
    """A session on ``path`` from its optimized copy, made at the first load (written
    to a temporary name and renamed); the plain file, optimized as it opens, when the
    copy cannot be written or read."""
    import onnxruntime

    level = onnxruntime.GraphOptimizationLevel
    ready = prepared_path(path)
    if ready.is_file():
        options = new_options(threads, spinning)
        options.graph_optimization_level = level.ORT_DISABLE_ALL
        try:
            return open_session(label, ready, options)
        except SpeechError:  # damaged: made again below
            ready.unlink(missing_ok=True)
    temp = ready.with_name(f".{ready.name}.{os.getpid()}.part")
    options = new_options(threads, spinning)
    options.graph_optimization_level = level.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(temp)
    try:
        session = open_session(label, path, options)
    except SpeechError:  # the copy could not be written (or the model is bad)
        temp.unlink(missing_ok=True)
        return open_session(label, path, new_options(threads, spinning))
    with contextlib.suppress(OSError):  # kept or not, the session is open
        os.replace(temp, ready)
    temp.unlink(missing_ok=True)
    return session
