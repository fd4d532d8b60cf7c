"""The API of accounts: users and their roles, logging in and out, and the
administrators' user management."""
