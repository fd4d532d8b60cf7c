"""Webhooks in the API: the types, the list, the mutations."""
