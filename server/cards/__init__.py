"""Printed cards back to the members (CONTRACT §4 cards file, §8): batches, consignments, hand-overs, pending."""
