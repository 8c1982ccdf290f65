"""Secure delivery: signed media URLs, HLS routes, playback sessions and their limits."""
