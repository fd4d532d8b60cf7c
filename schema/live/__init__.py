"""The API's subscriptions, and the execution that shares their work across subscribers."""
