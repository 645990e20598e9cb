"""isoflow as a service: use cases over ports, no HTTP and no paths.

* :mod:`.model`: the service's typed records (runs and their states, users and roles, audit
  entries, checkpoints, signatures);
* :mod:`.ports`: the outside dependencies the use cases need (:class:`~.ports.RunStore`,
  :class:`~.ports.ArtefactStore`, :class:`~.ports.AuditLog`, :class:`~.ports.UserStore`,
  :class:`~.ports.Clock`), implemented in :mod:`isoflow.adapters.storage` (SQLite, and
  in-memory fakes for the tests).

Imports point inward: the service uses engines, records, scenario and domain; the HTTP
application (:mod:`isoflow.adapters.api`) and the CLI use the service.
"""
