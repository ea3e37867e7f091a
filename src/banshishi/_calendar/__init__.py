"""Year schedules, the working-day calendar, office hours and time limits."""
