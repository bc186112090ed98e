"""The demo province: generated names and records, loaded through the import checks."""
