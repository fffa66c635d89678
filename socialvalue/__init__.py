"""socialvalue: social value at the centre of public procurement."""

__version__ = "0.1.0"
