"""The product catalogue as the API shows it."""
