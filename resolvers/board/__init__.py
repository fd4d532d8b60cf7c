"""The Kanban board and the pipeline statistics."""
