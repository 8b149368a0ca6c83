"""Synthetic relationships with planted, known effects, for the demo, the tests and the benchmarks.

:mod:`~colead.simulation.review` simulates a whole review (people, waves, KPIs, a programme);
:mod:`~colead.simulation.population` and :mod:`~colead.simulation.outcomes` are its building
blocks.
"""
