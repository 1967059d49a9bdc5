"""MongoDB helpers: the client, versioned aggregate documents with outbox and inbox, the relay."""
