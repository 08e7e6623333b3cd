"""The task pool's fork-server preload (see :mod:`cwl2dirac.backends.local.pool`): imported once, in the fork
server, before it forks the pool's processes. It makes the server die with the process that started it (a run, or
a test process running runs) and imports and warms cwltool, which the pool's processes inherit."""

from cwl2dirac.backends.local.pool import die_with_parent, warm_up

die_with_parent()
warm_up()
