"""Automatic captions (speech to a caption track) and searching what was said in a course."""
