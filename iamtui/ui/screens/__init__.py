"""The TUI's screens: loading, error, main panes, principal review and modals."""
