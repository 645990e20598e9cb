"""``/plans/{plan_id}``: review, approve (each an electronic signature) and signatures."""

# No postponed annotations here: FastAPI reads the routes' local ``Annotated`` aliases.
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from isoflow.adapters.api.security import Security, http_error
from isoflow.service.access import AccessError
from isoflow.service.approvals import Approvals, CheckedSignature, signature_dict, status_dict
from isoflow.service.model import Actor
from isoflow.service.roles import Operation


class SignRequest(BaseModel):
    """A signature request: the signer's password again (re-authentication) and the reason."""

    password: str
    reason: str


def approvals_router(approvals: Approvals, security: Security) -> APIRouter:
    """The review, approve and signatures routes over these approvals."""
    router = APIRouter(prefix="/plans", tags=["approvals"])
    reviewer = Annotated[Actor, Depends(security.require(Operation.PLANS_REVIEW))]
    approver = Annotated[Actor, Depends(security.require(Operation.PLANS_APPROVE))]
    reader = Annotated[Actor, Depends(security.require(Operation.PLANS_READ))]

    @router.post("/{plan_id}/review", status_code=201)
    def review(plan_id: str, body: SignRequest, actor: reviewer) -> dict[str, Any]:
        """Sign the plan as reviewed."""
        try:
            sig = approvals.review(actor, plan_id, body.password, body.reason)
        except AccessError as exc:
            raise http_error(exc) from exc
        return signature_dict(CheckedSignature(sig, True))

    @router.post("/{plan_id}/approve", status_code=201)
    def approve(plan_id: str, body: SignRequest, actor: approver) -> dict[str, Any]:
        """Sign the reviewed plan as approved."""
        try:
            sig = approvals.approve(actor, plan_id, body.password, body.reason)
        except AccessError as exc:
            raise http_error(exc) from exc
        return signature_dict(CheckedSignature(sig, True))

    @router.get("/{plan_id}/signatures")
    def signatures(plan_id: str, actor: reader) -> dict[str, Any]:
        """The plan's approval state and signatures, each checked against its current hash."""
        try:
            status = approvals.status(actor, plan_id)
        except AccessError as exc:
            raise http_error(exc) from exc
        return status_dict(status)

    return router
