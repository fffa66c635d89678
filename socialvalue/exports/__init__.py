"""Exports: spreadsheets (tables), OCDS release packages (ocds), PDF reports (documents, pdf)."""
