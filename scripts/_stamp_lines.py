"""Copy stdin to stdout, each line prefixed with CLOCK_MONOTONIC in ns.

The private JACK server's log goes through this (scripts/_jack.sh,
tests/support/jack_server.py), so a test can tell *when* the server logged
an xrun and excuse only what the transport did near one
(tests/support/xruns.py). Every process here reads the same system-wide
monotonic clock.
"""

import sys
import time


def main() -> None:
    read, write = sys.stdin.buffer.readline, sys.stdout.buffer.write
    for line in iter(read, b""):
        write(b"%d %s" % (time.monotonic_ns(), line))
        sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
