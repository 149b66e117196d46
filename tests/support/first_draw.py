"""The REPL as `trackjammer` runs it, watched from inside: what it had
loaded when it first drew its prompt, and a module that loads slowly.

    python tests/support/first_draw.py OUT [trackjammer's arguments]

OUT gets the names of the modules loaded when the first draw of the
prompt is done (one a line). TJ_SLOW_IMPORT=NAME:SECONDS holds up the
first import of NAME that long, so what happens before it is there can be
watched from outside (a test types then).
"""

from __future__ import annotations

import os
import sys
import time


class _Slow:
    """Finds one module as usual, and waits before loading it: the wait
    holds up only what imports it (a finder itself runs under Python's
    global import lock, which would hold up every import)."""

    def __init__(self, name: str, seconds: float):
        self.name, self.seconds = name, seconds

    def find_spec(self, name: str, path: object = None, target: object = None) -> object:
        if name != self.name:
            return None
        from importlib.machinery import PathFinder

        spec = PathFinder.find_spec(name, path)
        load, seconds = spec.loader.exec_module, self.seconds

        def exec_module(module: object) -> None:
            time.sleep(seconds)
            load(module)

        spec.loader.exec_module = exec_module
        return spec


class _Patching:
    """Patches prompt_toolkit's renderer as it is first imported (nothing is
    imported earlier than the REPL imports it)."""

    def __init__(self, out: str):
        self.out = out

    def find_spec(self, name: str, path: object = None, target: object = None) -> object:
        if name != "prompt_toolkit.renderer":
            return None
        from importlib.machinery import PathFinder

        spec = PathFinder.find_spec(name, path)
        load = spec.loader.exec_module
        out = self.out

        def exec_module(module: object) -> None:
            load(module)
            render = module.Renderer.render
            done = []

            def first_render(self: object, *args: object, **kwargs: object) -> None:
                render(self, *args, **kwargs)
                if not done:
                    done.append(True)
                    with open(out + ".part", "w") as file:
                        file.write("\n".join(sorted(sys.modules)) + "\n")
                    os.replace(out + ".part", out)

            module.Renderer.render = first_render

        spec.loader.exec_module = exec_module
        return spec


def main() -> int:
    out, args = sys.argv[1], sys.argv[2:]
    sys.meta_path.insert(0, _Patching(out))
    slow = os.environ.get("TJ_SLOW_IMPORT")
    if slow:
        name, seconds = slow.rsplit(":", 1)
        sys.meta_path.insert(0, _Slow(name, float(seconds)))
    from trackjammer.cli import main as trackjammer

    return trackjammer(args)


if __name__ == "__main__":
    sys.exit(main())
