"""Review of registry mismatches: the queue, the decisions on it, and the per-cell export."""
