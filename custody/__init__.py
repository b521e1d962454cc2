"""The chain of custody: an RFC 9162 Merkle log with signed C2SP checkpoints (pure)."""
