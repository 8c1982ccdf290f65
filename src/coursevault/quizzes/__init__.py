"""Quizzes, their questions, students' attempts and grading; keyed by ids, below courses."""
