"""CSV export and import of deals and leads."""
