"""Signed XML letters: hardened parsing, XAdES signing, strict verification, certificates, trust."""
