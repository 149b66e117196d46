"""Helpers shared by the test suite (real JACK server, real MIDI receiver process)."""
