"""Product pages beyond their models: the editor form, the registry, what the pages show."""
