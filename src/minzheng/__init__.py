"""minzheng: a civil-affairs (民政) platform for every level of a city's civil-affairs system."""

__version__ = "0.1.0"
