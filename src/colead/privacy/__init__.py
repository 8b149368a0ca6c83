"""Privacy operations: one person's export and erasure, retention and purge, and backups."""
