"""One module per action iamtui can plan, each declaring its ``SPEC`` (see ``actions.registry``)."""
