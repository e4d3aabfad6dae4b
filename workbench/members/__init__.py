"""Members: stores, staff, the registry, cards, tiers, the points ledger."""
