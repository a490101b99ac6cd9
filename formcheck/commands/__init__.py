"""CLI commands beyond analyze/rescore, one module each (batch, live, serve)."""
