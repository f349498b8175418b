"""Analyses of dory IR that passes share (value ranges, ...), kept out of the pass files."""
