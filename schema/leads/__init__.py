"""Leads in the API: the type, its inputs, the `leads` list and the lead mutations."""
