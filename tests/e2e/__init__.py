"""End-to-end tests: a real browser, nginx in front, the whole platform at once."""
