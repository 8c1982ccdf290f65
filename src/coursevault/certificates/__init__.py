"""Certificates of completion: issued once a student completed every lesson, a PDF to
download, and a public page that proves it (an id signed by the platform)."""
