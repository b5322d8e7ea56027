"""Hearth: a multi-user platform for talking with AI characters."""

__version__ = "0.1.0"
