"""Tasks, and the clock that turns a task due."""
