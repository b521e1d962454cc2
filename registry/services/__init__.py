"""The registry's workflow: each function takes a Session and owns its transaction."""
