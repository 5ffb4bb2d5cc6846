"""Models: see the module docstring of apps.py."""
