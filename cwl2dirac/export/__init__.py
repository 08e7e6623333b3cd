"""Writers of a production request for people and other tools, not backends: CTADIRAC's ProdSteps YAML
(:mod:`~cwl2dirac.export.prodsteps`) and the production as a picture (:mod:`~cwl2dirac.export.graph`)."""
