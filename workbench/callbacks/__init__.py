"""Callback visits (回访) and timed campaigns: tasks, claiming with a lease and a grant, retries."""
