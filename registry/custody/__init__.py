"""The contract's entry point ``python -m registry.custody verify``; the engine is ``custody``."""
