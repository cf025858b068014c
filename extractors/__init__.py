"""Field extraction: a spaCy pipeline of versioned rule components, one module per field family."""
