"""The headless core: model, loaders, findings, plans and journal. It never imports Textual."""
