"""Certified paper copies of registered letters (¶32-1 of the Rules).

A pure library, like the ``custody`` engine: it imports neither Flask nor SQLAlchemy,
so the copy can be rendered, signed and checked outside the service.

- ``content``: what a copy shows (a plain dataclass the service fills in);
- ``pdf``: renders that content to PDF with the stamp block and the QR code;
- ``pades``: signs the PDF as the registry (PAdES baseline-B) and validates copies;
- ``codes``: the copy's unguessable verification code and its stored lookup key.
"""
