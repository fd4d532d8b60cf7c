"""Outbound webhooks: their rules (targets, events), their editing, and the delivery of
the event log to them."""
