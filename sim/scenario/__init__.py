"""Scenario files: schema (typed sections), load (the only YAML reader), catalog (classes)."""
