"""What it means: KPI statistics, targets, themes, sentiment, redaction and report tables.

Pure functions over plain data and DataFrames; no Flask, no database.
"""
