"""The API of notifications: the reader's own, as a list, an unread count, and marked
read."""
