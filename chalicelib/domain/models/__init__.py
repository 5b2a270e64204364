"""Request and response models. Input models forbid unknown fields and are
strict about types; output models are separate, so no internal attribute
(keys, entity names, guards) can leak into a response.
"""

# Import each model from its own module (``chalicelib.domain.models.people``, ...), never from here: a
# cold start then builds only the models its route uses (docs/performance.md, "Cold start").
