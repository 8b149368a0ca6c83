"""Building blocks of :mod:`colead.simulate`: the population and the outcomes around it."""
