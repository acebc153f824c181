-- The client's address of an audited request: the peer's, or the one a
-- trusted proxy (PALETTE_TRUSTED_PROXIES) forwarded.
ALTER TABLE audit_events ADD COLUMN client TEXT;
