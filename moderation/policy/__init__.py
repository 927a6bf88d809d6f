"""The policy: the pure verdict, the facts it decides on, thresholds, word lists and
the highlighting of what drove a decision."""
