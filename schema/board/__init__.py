"""The API of the Kanban board and the pipeline statistics."""
