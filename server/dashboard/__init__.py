"""The console's progress dashboard: collections per day (a daily aggregate kept as records arrive), the rate,
the projected finish against a deadline the admin sets, records still on tablets, the progress spreadsheet."""
