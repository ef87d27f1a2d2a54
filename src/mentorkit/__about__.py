"""Version of the mentorkit distribution."""

__version__ = "0.1.0"
