"""Where each student is in each lesson: positions, completion, where to resume."""
