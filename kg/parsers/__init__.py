"""Parsers: source documents in, typed records (``kg.records``) out."""
