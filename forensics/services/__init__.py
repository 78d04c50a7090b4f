"""Forensics domain logic as plain functions: recoveries, evidence, findings, imports, exports."""
