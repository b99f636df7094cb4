"""Form definitions and submission validation (pure Python, no DB/HTTP)."""
