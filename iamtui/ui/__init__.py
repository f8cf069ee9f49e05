"""The Textual TUI: thin screens and widgets over ``iamtui.core.workspace`` and ``views``.

Nothing here is imported by the headless commands; ``iamtui.cli.tui`` imports it lazily.
"""
