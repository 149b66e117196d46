"""The REPL: a prompt_toolkit instrument around the language and the engine.

app.py runs it; the other modules each hold one concern (highlighting,
input completeness and syntax marks, completion, keys, the status bar, the
piano roll of `show()`, the config file and where files go).
"""
