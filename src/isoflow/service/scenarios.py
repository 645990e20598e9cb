"""Use cases of scenarios: store a validated upload, read it back (per organisation).

Parsing and validating an upload (YAML, JSON or a CSV-folder archive) happens at the edge;
this module keeps the canonical JSON of the validated scenario, which runs load.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence

from isoflow.service.model import Actor, ScenarioRecord
from isoflow.service.ports import ArtefactStore, AuditRecorder, Clock, ScenarioStore
from isoflow.service.runs import NotFound


class ScenarioService:
    """Uploaded scenarios over injected ports."""

    def __init__(
        self, store: ScenarioStore, artefacts: ArtefactStore, audit: AuditRecorder, clock: Clock
    ) -> None:
        self.store = store
        self.artefacts = artefacts
        self.audit = audit
        self.clock = clock

    def create(
        self, actor: Actor, name: str, canonical: bytes, upload: bytes, reason: str
    ) -> ScenarioRecord:
        """Store a validated scenario (canonical JSON) and the upload it came from."""
        record = ScenarioRecord(
            scenario_id=uuid.uuid4().hex,
            org_id=actor.org_id,
            name=name,
            sha256=self.artefacts.put(canonical),
            upload_sha256=self.artefacts.put(upload),
            created_by=actor.user_id,
            created_at=self.clock.now(),
        )
        self.store.insert_scenario(record)
        after = json.dumps(
            {"scenario_id": record.scenario_id, "name": name, "sha256": record.sha256},
            sort_keys=True,
        ).encode()
        self.audit.record(
            actor,
            "scenario.create",
            "scenario",
            record.scenario_id,
            1,
            None,
            after,
            f"new scenario {name!r} ({record.sha256[:12]})",
            reason,
        )
        return record

    def get(self, actor: Actor, scenario_id: str) -> ScenarioRecord:
        """The organisation's scenario; :class:`NotFound` otherwise."""
        record = self.store.get_scenario(actor.org_id, scenario_id)
        if record is None:
            raise NotFound(f"no scenario {scenario_id!r}")
        return record

    def content(self, actor: Actor, scenario_id: str) -> bytes:
        """The scenario's canonical JSON."""
        return self.artefacts.get(self.get(actor, scenario_id).sha256)

    def list(self, actor: Actor, limit: int = 100) -> Sequence[ScenarioRecord]:
        """The organisation's scenarios, newest first."""
        return self.store.list_scenarios(actor.org_id, limit)
