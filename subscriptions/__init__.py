"""The event bus and what subscribers receive from it."""
