"""Use cases. Services change state and flush; the request or CLI command commits once."""
