"""Product pages beyond their models: the editor form and the checkout placeholder view."""
