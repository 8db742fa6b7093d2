"""Examples that use modelspec, outside the package: real data for the demo's seed models.

Not installed with modelspec (setuptools ships `modelspec*` only) and not part of the core: it
needs scikit-learn and vega_datasets (the `dev` extra), which modelspec itself never imports.
"""
