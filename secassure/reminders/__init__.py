"""Reminders: what is due or overdue for each person, as a daily e-mail digest and a private
calendar feed."""
