"""Graded teaching exercises: the course in scenarios/exercises/ and its grader.

`list_exercises()` and `load_exercise(id)` read the exercise definitions
(sim/exercises/definition.py); `grade_file(exercise, path)` runs a student's scenario with
the same engine as `isr-sim run` and grades it (sim/exercises/grader.py); `ExerciseGoal`
is the same grading offered to the window.
"""
from sim.exercises.definition import Exercise, list_exercises, load_exercise
from sim.exercises.grader import ExerciseGoal, Grade, grade_file, grade_result

__all__ = ["Exercise", "ExerciseGoal", "Grade", "grade_file", "grade_result",
           "list_exercises", "load_exercise"]
