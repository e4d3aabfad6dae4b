"""Member activities (会员活动, seeds 000 §五 and 001 四): a plan with its type, theme, time,
place, capacity, budget, eligible tiers and stores, sign-up windows (an earlier one for the
priority tiers) and participation points; its approval by a manager who is not its planner, and
every change made after that approval; invitations by tier through the outbox (set-based, the
priority tiers first; a birthday party invites the month's birthdays); sign-ups through staff or
by an SMS reply, within the capacity even under concurrent sign-ups, with a waitlist that fills
freed places in order; cancellation before the cut-off; reminders the day before; check-in by
card or member number that credits the participation points once; no-shows at closing.

models.py holds the tables, rules.py the pure rules (states, eligibility, windows, the SMS reply
words), service.py the plans, sign-ups and check-in, invitations.py the bulk invitations."""
