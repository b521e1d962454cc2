"""Thin blueprints: each view parses, authorises (registry.auth), calls one service, serialises."""
