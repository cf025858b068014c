"""sohoa: scanned Vietnamese dossiers and civil registers in, validated records out."""

__version__ = "0.1.0"
__all__ = ["__version__"]
