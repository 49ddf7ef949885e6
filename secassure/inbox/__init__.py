"""Whose turn it is: a notification to each person a workflow step hands work to, in their inbox and
by e-mail (at once or in the daily digest, as they choose)."""
