"""Mutation testing of digitnet: see tools/mutate.py and docs/mutation.md."""
