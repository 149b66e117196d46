"""midi/jack_links.py without a JACK server: which port is ours, what is
remembered, and what is said, on a made-up JACK graph."""

from __future__ import annotations

from trackjammer.midi.jack_links import Links, _Jack


class FakeJack(_Jack):
    """A JACK graph by hand: ports (name → output?), client UUIDs, connections."""

    def __init__(self) -> None:
        super().__init__(None)
        self.client, self.outputs, self.uuids, self.links = 1, {}, {}, set()
        self.closed = 0

    def ready(self) -> bool:
        self.client = self.client or 1
        return True

    def close(self) -> None:
        self.closed += 1
        self.client = None

    def add(self, name: str, uuid: int, output: bool = True) -> None:
        self.outputs[name] = output
        self.uuids[name.rpartition(":")[0]] = uuid

    def drop(self, name: str) -> None:
        del self.outputs[name]
        self.links = {pair for pair in self.links if name not in pair}

    def exists(self, name):
        return name if name in self.outputs else None

    def connections(self, port):
        return tuple(sorted(b if a == port else a for a, b in self.links if port in (a, b)))

    def ports(self, output):
        return tuple(sorted(name for name, out in self.outputs.items() if out == output))

    def uuid(self, client):
        return self.uuids.get(client, -1)

    def connect(self, source, destination):
        if source not in self.outputs or destination not in self.outputs:
            return False
        self.links.add((source, destination))
        return True


def links_on(jack: FakeJack) -> Links:
    links = Links()
    links._loaded, links._jack = True, jack
    links._thread = object()  # no thread: looks are made by hand
    return links


def test_a_port_made_anew_is_connected_again_to_what_is_still_there_said_once():
    jack = FakeJack()
    jack.add("TrackJammer:TrackJammer", 5)  # another TrackJammer's, connected
    jack.add("synth:in", 6, output=False)
    jack.add("drums:in", 7, output=False)
    jack.links.add(("TrackJammer:TrackJammer", "drums:in"))
    jack.add("TrackJammer-01:TrackJammer", 8)  # ours: the newest, not connected yet
    links, said = links_on(jack), []
    links.watch("out", "TrackJammer", output=True)
    links.look()
    assert links._watched["out"].name == "TrackJammer-01:TrackJammer"
    jack.connect("TrackJammer-01:TrackJammer", "synth:in")
    jack.connect("TrackJammer-01:TrackJammer", "drums:in")
    links.look()
    links.died("out")
    jack.drop("TrackJammer-01:TrackJammer")
    jack.drop("drums:in")  # quit meanwhile
    jack.add("TrackJammer-01:TrackJammer", 9)  # made anew under the same name, a new client
    links.look()  # a look before the new process said it opened: the new port is not taken for the old
    links.made_anew("out", said.append)
    links.made_anew("out", said.append)  # once
    assert said == ["MIDI port 'TrackJammer-01:TrackJammer' made anew: reconnected to synth:in; "
                    "not to drums:in (gone)"]
    assert jack.connections("TrackJammer-01:TrackJammer") == ("synth:in",)


def test_an_input_is_connected_from_its_sources_and_nothing_is_said_when_nothing_was_connected():
    jack = FakeJack()
    jack.add("TrackJammer:TrackJammer in", 3, output=False)
    jack.add("keys:out", 4)
    links, said = links_on(jack), []
    links.watch("in", "TrackJammer in", output=False)
    links.look()
    links.died("in")
    jack.drop("TrackJammer:TrackJammer in")
    jack.add("TrackJammer:TrackJammer in", 5, output=False)
    links.made_anew("in", said.append)
    assert said == []  # nothing was connected: nothing to say
    jack.connect("keys:out", "TrackJammer:TrackJammer in")
    links.look()
    links.died("in")
    jack.drop("TrackJammer:TrackJammer in")
    jack.add("TrackJammer:TrackJammer in", 6, output=False)
    links.made_anew("in", said.append)
    assert said == ["MIDI port 'TrackJammer:TrackJammer in' made anew: reconnected to keys:out"]
    assert jack.connections("TrackJammer:TrackJammer in") == ("keys:out",)


def test_connections_are_forgotten_after_two_looks_that_find_none():
    jack = FakeJack()
    jack.add("TrackJammer:TrackJammer", 3)
    jack.add("synth:in", 4, output=False)
    links = links_on(jack)
    links.watch("out", "TrackJammer", output=True)
    jack.connect("TrackJammer:TrackJammer", "synth:in")
    links.look()
    jack.links.clear()  # the performer disconnected it (or its client is dying: its port goes next)
    links.look()
    assert links._watched["out"].peers == ("synth:in",)
    links.look()
    assert links._watched["out"].peers == ()


def test_without_libjack_nothing_happens(monkeypatch):
    import ctypes.util

    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    links, said = Links(), []
    links._thread = object()
    links.watch("out", "TrackJammer", output=True)
    links.look()
    links.died("out")
    links.made_anew("out", said.append)
    assert said == []


def test_our_client_is_closed_once_no_port_is_watched_and_opened_again_for_the_next():
    """No JACK client of ours (nor libjack's threads for it) stays in the
    process while nothing is watched."""
    jack = FakeJack()
    jack.add("TrackJammer:TrackJammer", 5)
    jack.add("TrackJammer:TrackJammer in", 5, output=False)
    links = links_on(jack)
    links.watch("out", "TrackJammer", output=True)
    links.watch("in", "TrackJammer in", output=False)
    links.look()
    links.unwatch("out")
    assert (jack.closed, jack.client) == (0, 1)  # a port still watched
    links.unwatch("in")
    assert (jack.closed, jack.client) == (1, None)
    links.look()
    assert jack.client is None  # nothing watched: not opened to look
    links.watch("out", "TrackJammer", output=True)
    links.look()
    assert (jack.closed, jack.client) == (1, 1)
    assert links._watched["out"].name == "TrackJammer:TrackJammer"
