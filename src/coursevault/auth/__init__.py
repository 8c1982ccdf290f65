"""Accounts, passwords, JWT sessions with rotating refresh tokens, CSRF and login throttling."""
