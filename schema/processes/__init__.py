"""The API of sales processes: their stages and weighted steps, and the administrators'
configuration."""
