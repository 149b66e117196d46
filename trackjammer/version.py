"""The version, in a module of its own: the lowest layer, so that every
package can name it without importing the package's `__init__` (which
assembles every global)."""

__version__ = "0.1.0"
