"""Statistics and KPIs for managers, analysts and supervisors: aggregates only, small groups
hidden, every report audited.

Its own package because it reads across members, callbacks and complaints; the permissions
package sits below complaints and callbacks and cannot import them. Complaint analysis itself stays
in complaints/analytics.py (the dashboard shows that report); here only what it does not give:
complaints by store and by handler.

Definitions (a period is [first day, day after the last) in local days; default the last 12
months up to today):

- **Members** of a store: members whose home store it is, on the books at the end of the
  period (joined before its end, membership not ended by then). Every figure below except
  joined, ended and retention is about these members.
- **Tier distribution**: those members by their current tier (tiers keep no history as data).
- **Joined / ended**: memberships approved / terminated in the period.
- **Active member**: a member with at least one purchase in the period. Active % = active /
  members.
- **Spend**: the sum of their purchases in the period (yuan); spend per active member.
- **Visit frequency**: purchases (visits) in the period per active member.
- **Points issued / redeemed / expired**: ledger credits of every kind, redemption debits and
  expiry debits dated in the period.
- **Activity participation**: members who earned activity points in the period (took part in a
  member activity), as a share of members.
- **Retention**: of the members who bought in the previous period of the same length and were
  members at its end (the cohort), the share who bought again in this period. **Churn** is the
  rest of the cohort: lapsed buyers, including those whose membership ended.
- **Satisfaction**: the latest score (1–5) of complaints received in the period, as in the
  complaint analysis, by the store the complaint belongs to; the mean and how many scores.
- **Per agent**: callback calls made; reached; reach rate = reached / calls; callbacks done =
  calls that finished a task with the member spoken to (reached or refused); complaints closed
  in the period of which they were the handler (or took it, when no handler was named);
  resolved = closed with the member satisfied (not by a supervisor's close); satisfaction = mean
  latest score of those complaints.
- **Per branch**: cards issued in the period (new and reissued) to the store's members; members;
  active members; complaints received; complaint rate = complaints per 1,000 members;
  satisfaction.

Rollups (rollups.py): the scheduler computes the statistics screen's periods and the default
complaint report with these same queries and keeps their raw counts; a report for such a
period reads them while fresh and says as of when (`as_of`), protection applied as always.

Protection (masking/groups.py): counts under `protection_min_group_size` are hidden, with every
figure computed from them, for every reader; shown totals and differences (whole minus part)
never give a hidden cell away, and the cells hidden for that are the cheapest that do it. Each
row says why a figure is hidden (`hidden`: "small", "group" for a small group's sum,
"complement" for a cell hidden only to protect another): reports show "<minimum" only for a
small count and "hidden" for the rest, with a legend. Staff KPIs are about staff and shown,
but a satisfaction mean over fewer scores than the minimum is hidden.
"""
