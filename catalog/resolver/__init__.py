"""The resolver: free marking text -> part, manufacturer and date code.

Pure-Python stages live in :mod:`catalog.resolver.tokenize` (marking text -> tokens and
candidates) and :mod:`catalog.resolver.datecodes` (date code -> manufacture date ranges).
"""
