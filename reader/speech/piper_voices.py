"""Adding and removing the user's Piper voices (``reader voices add`` / ``remove``)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from reader import locations
from reader.files import create_temp
from reader.speech.espeak import SpeechError
from reader.speech.piper import (
    ID_PREFIX,
    bundled_models,
    calibration_file,
    installed_models,
    load_voice,
    read_model,
    synthesize_pcm,
    user_models,
    voice_pace,
)
from reader.speech.types import Voice

TEST_SENTENCE = "Hello, this is a test of the new voice."


def add_voice(model: Path, folder: Path | None = None, *, move: bool = False) -> Voice:
    """Check ``model`` (with ``MODEL.onnx.json`` beside it) and copy both into the user's
    voices folder. The voice must load and speak :data:`TEST_SENTENCE`; a voice whose
    id is bundled or already added is refused. Files are copied to temporary names and
    renamed, the config last, so a half-copied voice is never listed. ``move``: the
    pair is complete on the folder's file system already (a download, see
    :mod:`reader.speech.voice_download`) and is renamed in, not copied."""
    import shutil

    from reader.files import check_regular

    if model.suffix != ".onnx":
        raise SpeechError(str(model), "a Piper voice model ends in .onnx")
    config = Path(f"{model}.json")
    for path in (model, config):  # not a pipe or a device: those would block or never end
        check_regular(path, error=SpeechError)
    found = read_model(model, config)
    if found.id in {m.id for m in installed_models()}:
        raise SpeechError(str(model), f"a voice {found.id} is installed already")
    loaded = load_voice(found)
    try:
        from piper import SynthesisConfig

        result = synthesize_pcm(loaded, TEST_SENTENCE, SynthesisConfig(normalize_audio=False), None)
    except SpeechError as error:
        raise SpeechError(str(model), f"the voice cannot speak ({error.reason})") from None
    if len(result.pcm) < 2 * found.sample_rate // 4:
        raise SpeechError(str(model), "the voice produced no speech for a test sentence")
    folder = locations.ensure(folder or locations.voices_dir())
    stem = found.id.removeprefix(ID_PREFIX)
    targets = [(model, folder / f"{stem}.onnx"), (config, folder / f"{stem}.onnx.json")]
    if move:
        _move_in(targets, folder)
        return _added(targets, loaded)
    temps = []
    try:
        for source, target in targets:
            fd, name = create_temp(target.parent, f".{target.name}.", ".part")
            os.close(fd)
            temp = Path(name)
            temps.append(temp)
            shutil.copyfile(source, temp)
        for temp, (_, target) in zip(temps, targets, strict=True):
            os.replace(temp, target)
    except OSError as error:
        raise SpeechError(
            str(folder), f"cannot copy the voice ({error.strerror or error})"
        ) from None
    finally:
        for temp in temps:
            with contextlib.suppress(OSError):
                temp.unlink()
    return _added(targets, loaded)


def _move_in(targets: list[tuple[Path, Path]], folder: Path) -> None:
    """Rename a complete pair into the folder, the config last (never listed half-moved)."""
    try:
        for source, target in targets:
            os.replace(source, target)
    except OSError as error:
        raise SpeechError(
            str(folder), f"cannot move the voice in ({error.strerror or error})"
        ) from None


def _added(targets: list[tuple[Path, Path]], loaded: object) -> Voice:
    """The voice now in the folder, its pace measured once (kept in the cache folder)."""
    added = read_model(targets[0][1], targets[1][1])
    voice_pace(added, loaded)
    return added.voice()


def remove_voice(wanted: str, folder: Path | None = None) -> str:
    """Remove a voice added with :func:`add_voice` (by id, its file stem or name)."""
    key = wanted.strip().lower()
    for model in user_models(folder):
        stem = model.id.removeprefix(ID_PREFIX).lower()
        if key in (model.id.lower(), stem, model.name.lower()):
            for path in (model.config, model.model):  # the config first: no longer listed
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
            with contextlib.suppress(OSError):
                calibration_file(model).unlink()
            return model.id
    if any(key in (m.id.lower(), m.name.lower()) for m in bundled_models()):
        raise SpeechError(wanted, "this voice ships with reader and cannot be removed")
    raise SpeechError(wanted, "no added voice has this id (`reader voices` lists them)")
