"""Videos: tus uploads, probing, the transcode job, encrypted HLS output and its keys."""
