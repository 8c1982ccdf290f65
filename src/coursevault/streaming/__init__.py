"""Secure delivery: signed media URLs and HLS routes (playback sessions come next)."""
