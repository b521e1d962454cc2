"""A letter's evidence package (ASiC-E), pure: it joins the two engines' proofs.

The signed letter and its RFC 3161 tokens are ``signing``'s; the custody bundle
and the witnesses' cosignatures are ``custody``'s. The engines do not import one
another, so what needs both lives here, free of Flask and the database like them.
"""
