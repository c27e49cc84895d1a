"""Speech made faster without raising its pitch: WSOLA (waveform similarity overlap-add).

For rates an engine cannot reach by itself: Piper's phonemes last at least a frame
each, so below a length scale of about 0.5 it only garbles, and a libespeak-ng built
without sonic stops at 450 words a minute. Frames of :data:`FRAME` seconds are taken
from the input every ``speed`` hops and overlap-added with a Hann window every hop;
each frame's start is moved by up to :data:`TOLERANCE` to where it best continues the
previous one (cross-correlation), so the pitch periods line up and nothing clicks.
Linear in the length of the audio: a bounded search per output frame.
"""

from __future__ import annotations

from typing import Any

FRAME = 0.030  # seconds per analysis frame (a few pitch periods)
TOLERANCE = 0.008  # seconds a frame's start may move to line up with the previous one
NEAR_ONE = 0.01  # speeds this close to 1 are left alone


def stretch(audio: Any, speed: float, sample_rate: int) -> Any:
    """``audio`` (float32 mono, numpy) played ``speed`` times faster at the same pitch.

    The result has ``round(len(audio) / speed)`` samples; ``speed`` below 1 slows down.
    """
    import numpy as np

    samples = np.asarray(audio, dtype=np.float32)
    if abs(speed - 1.0) < NEAR_ONE or samples.size == 0:
        return samples
    frame = max(4, int(FRAME * sample_rate) // 2 * 2)
    hop = frame // 2
    tolerance = max(1, int(TOLERANCE * sample_rate))
    length = max(1, round(samples.size / speed))
    # Padded so that every frame and every search window lies inside the array.
    padded = np.concatenate(
        [
            np.zeros(tolerance, np.float32),
            samples,
            np.zeros(frame * 2 + tolerance + int(hop * speed) + 1, np.float32),
        ]
    )
    window = np.hanning(frame).astype(np.float32)
    frames = length // hop + 1
    out = np.zeros(frames * hop + frame, np.float32)
    weight = np.zeros_like(out)
    previous = tolerance  # where the last frame was taken from, in ``padded``
    for index in range(frames):
        nominal = tolerance + int(index * hop * speed)
        if index == 0:
            start = nominal
        else:
            # The samples that would have followed the previous frame: the next frame
            # should look like them.
            natural = padded[previous + hop : previous + hop + frame]
            region = padded[nominal - tolerance : nominal + tolerance + frame]
            score = np.correlate(region, natural, mode="valid")
            start = nominal - tolerance + int(np.argmax(score))
        at = index * hop
        out[at : at + frame] += padded[start : start + frame] * window
        weight[at : at + frame] += window
        previous = start
    out = out[:length]
    weight = weight[:length]
    np.divide(out, weight, out=out, where=weight > 1e-3)
    return out


def stretch_pcm(pcm: bytes, speed: float, sample_rate: int) -> bytes:
    """16-bit little-endian mono PCM through :func:`stretch`."""
    import numpy as np

    if abs(speed - 1.0) < NEAR_ONE or not pcm:
        return pcm
    audio = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
    faster = stretch(audio, speed, sample_rate)
    return bytes(np.clip(faster * 32768.0, -32768, 32767).astype("<i2").tobytes())
