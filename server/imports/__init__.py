"""Operator imports: units, members and registry files (CSV or XLSX), checked row by row, stored all or nothing."""
