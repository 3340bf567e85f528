"""Drop-in layers for users of other LIME libraries (``limette.compat.lime``)."""
