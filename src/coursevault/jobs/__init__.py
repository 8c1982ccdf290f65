"""Background jobs on MongoDB: atomic claims with a lease, heartbeats, retries, one registry."""
