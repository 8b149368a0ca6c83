"""colead: measure, develop and evaluate collaborative leadership in B2B relationships."""

__version__ = "0.1.0"
