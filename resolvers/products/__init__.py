"""The product catalogue (and, later, the line items deals are made of)."""
