"""Assessments as learners and instructors meet them: taking quizzes, editing them and
their checkpoints, results, and what completes a course."""
