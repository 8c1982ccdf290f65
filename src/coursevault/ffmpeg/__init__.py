"""FFmpeg, framework-free: find the binary, sniff and probe inputs, build the HLS ladder
command, run it with progress and a timeout, classify failures. Imports nothing from
FastAPI or PyMongo, so remote transcoding runners can reuse it as it is."""
