"""Sales processes: their configuration, its validation, the tree read in a fixed
number of queries, and the ready-made ones."""
