"""Source descriptions: reading them, and the kinds of source a step can call."""
