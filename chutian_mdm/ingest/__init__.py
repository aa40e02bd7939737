"""Ingest: department files → validated, standardised staging records, bad rows → quarantine."""

from .load import BatchResult, ingest_file

__all__ = ["BatchResult", "ingest_file"]
