"""Pages reached by a rater's personal link.

The 360 survey (``/s/TOKEN``) and the programme's reaction questionnaire (``/r/TOKEN``).
"""
