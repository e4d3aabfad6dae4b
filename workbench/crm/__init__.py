"""Odoo sync over odoorpc: members and their confirmed orders come from Odoo (which owns master
data), tier, points, opt-outs and complaints go back (the workbench owns service data).

Only `workbench.crm.client` imports odoorpc, and only when a sync connects."""
