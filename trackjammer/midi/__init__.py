"""Everything MIDI: tracks now; messages, output and files as they land."""
