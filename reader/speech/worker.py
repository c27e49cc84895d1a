"""The pyttsx3 worker process for SAPI5 (Windows) and NSSpeechSynthesizer (macOS).

Run as ``python -m reader.speech.worker sapi5|nsss`` by
:class:`reader.speech.engine.WorkerEngine`. It reads JSON requests on stdin, one per
line, and answers each with one JSON line on the real stdout; anything pyttsx3 or
the platform prints goes to /dev/null, because file descriptor 1 is pointed there
first. Requests: ``{"op": "voices"}`` and ``{"op": "synth", "text", "path", "voice",
"rate", "volume"}`` (writes a WAV file at ``path``; one utterance per request, so
pyttsx3's queueing problems never arise).

Not exercised on Linux (no SAPI5/NSSS here): kept deliberately small.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


def main(driver: str) -> int:
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process

    import pyttsx3

    engine = pyttsx3.init(driverName=driver)
    for line in sys.stdin:
        try:
            request = json.loads(line)
            answer = _handle(engine, request)
        except Exception as error:
            answer = {"error": f"{type(error).__name__}: {error}"}
        protocol.write(json.dumps(answer) + "\n")
    return 0


def _handle(engine: Any, request: dict[str, Any]) -> dict[str, Any]:
    if request.get("op") == "voices":
        voices = []
        for voice in engine.getProperty("voices"):
            languages = [
                lang.decode(errors="replace") if isinstance(lang, bytes) else str(lang)
                for lang in (voice.languages or [])
            ]
            gender = str(voice.gender).lower() if voice.gender else None
            voices.append(
                {"id": voice.id, "name": voice.name, "languages": languages, "gender": gender}
            )
        return {"voices": voices}
    if request.get("op") == "synth":
        if request.get("voice"):
            engine.setProperty("voice", request["voice"])
        if request.get("rate"):
            engine.setProperty("rate", int(request["rate"]))
        if request.get("volume") is not None:
            engine.setProperty("volume", float(request["volume"]))
        path = request["path"]
        if os.path.exists(path):
            os.remove(path)
        engine.save_to_file(request["text"], path)
        engine.runAndWait()
        if not os.path.exists(path):
            return {"error": "the engine wrote no audio"}
        return {"ok": True}
    return {"error": f"unknown request {request.get('op')!r}"}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "sapi5"))
