"""Studio views that join several features (a course's stats and students).

It sits on top: it reads courses, enrollments, progress, payments and auth, and nothing
reads it, so those features never import each other to build a report.
"""
