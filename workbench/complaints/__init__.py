"""Complaint tickets: the escalation workflow to a satisfied member, SLA clocks, analysis."""
