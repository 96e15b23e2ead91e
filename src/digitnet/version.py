"""digitnet's version, in a module of its own so that model files can say it cheaply."""

__version__ = "0.1.0"
