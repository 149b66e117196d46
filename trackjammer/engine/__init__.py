"""The realtime engine: a clock thread that plays the message path through an output."""
