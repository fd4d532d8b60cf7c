"""The API of tasks."""
