"""Audio: encoding (MP3, WAV, the Info frame) and playback on the sound card."""
