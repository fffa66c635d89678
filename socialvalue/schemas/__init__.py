"""marshmallow schemas: *InputSchema to load and validate input, *Schema to dump."""
