"""Accounts: logging in and out, passwords, users and workspaces."""
