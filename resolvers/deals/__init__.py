"""Deals: creating and changing them, their lifecycle, who takes part, steps, files,
and the lists and filters that read them."""
