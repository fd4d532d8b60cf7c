"""The process edge: settings, the Starlette app, authentication and the command line."""
