"""Thin blueprints: each view parses, authorises (web.guard), calls one service, serialises."""
