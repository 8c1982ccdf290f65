"""The forensic watermark's signal code, framework-free like `ffmpeg/` (numpy and PyAV;
it imports nothing of the app but `ffmpeg`): the mark's pattern, the codewords, the
variant playlists, the reference and the trace. The `forensic` feature stores and serves."""
