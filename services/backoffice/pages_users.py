"""A directory user's own page, for administrators: what the directory says of them, the
approval requests that wait for them, and a form that starts from what is stored, so that a
change keeps every field it does not touch. Deactivating someone who has requests waiting
names who takes them over; the approval service's refusals are shown on the page."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from services.backoffice.bus import Answer
from services.backoffice.domain import require_admin
from services.backoffice.web import backoffice, form, problem, render, signed_in, viewer
from shared.contracts import UpsertUser, UserUpserted

SAVED = "The user was saved."


def saved_words(moved: str | None, to: str | None) -> str:
    """What the page says after a save (and where requests went, if some moved)."""
    if moved and to:
        return f"{SAVED} {moved} approval request(s) now wait for {to}."
    return SAVED


def invalid_words(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(map(str, e['loc'])) or 'form'}: {e['msg']}" for e in error.errors()
    )


async def learn_answer(request: Request, answer: Answer) -> None:
    """Show the change at once: the back office takes the answer as it will take the event
    on its own queue (the later of the two wins, so the order they come in does not matter)."""
    if answer.kind == UserUpserted.__name__:
        await backoffice(request).people.learn(UserUpserted.model_validate(answer.body))


def user_command(user_id: str, sent: dict[str, str], changed_by: str) -> UpsertUser:
    """The form as the command: an unticked box is sent as nothing, so absent means off."""
    return UpsertUser(
        user_id=user_id,
        name=sent.get("name", "").strip(),
        email=sent.get("email", "").strip() or None,
        admin=sent.get("admin") == "on",
        manager_id=sent.get("manager_id", "").strip() or None,
        active=sent.get("active") == "on",
        reassign_to=sent.get("reassign_to", "").strip() or None,
        changed_by=changed_by,
    )


async def _page(
    request: Request,
    user_id: str,
    status: int = 200,
    *,
    error: str = "",
    done: str | None = None,
    shown: dict[str, Any] | None = None,
) -> Response:
    office = backoffice(request)
    person = await office.people.get(user_id)
    if person is None:
        return problem(request, 404, "No such user", f"The approval directory has no {user_id}.")
    return render(
        request,
        "user.html",
        status,
        person=person,
        shown=shown or person,
        waiting=await office.reads.requests_waiting_for(user_id),
        error=error,
        done=done,
    )


@signed_in
async def user_page(request: Request) -> Response:
    """One user of the directory, with the form that changes them."""
    require_admin(viewer(request), "change users")
    params = request.query_params
    done = saved_words(params.get("moved"), params.get("to")) if params.get("done") else None
    return await _page(request, request.path_params["user_id"], done=done)


@signed_in
async def change_user(request: Request) -> Response:
    """Save the form; a refusal is shown with what was typed, so it can be put right."""
    require_admin(viewer(request), "change users")
    user_id, sent = request.path_params["user_id"], form(request)
    shown = {
        **sent,
        "admin": sent.get("admin") == "on",
        "active": sent.get("active") == "on",
    }
    try:
        command = user_command(user_id, sent, viewer(request).user_id)
    except ValidationError as error:
        return await _page(request, user_id, 422, error=invalid_words(error), shown=shown)
    answer = await backoffice(request).broker.send(command, viewer(request).user_id)
    if answer.refused:
        return await _page(request, user_id, 409, error=answer.words, shown=shown)
    await learn_answer(request, answer)
    moved = answer.body.get("reassigned_requests") or []
    query = {"done": "user"}
    if moved:
        query |= {"moved": str(len(moved)), "to": str(answer.body.get("reassigned_to"))}
    return RedirectResponse(
        f"/configuration/users/{quote(user_id, safe='')}?{urlencode(query)}", status_code=303
    )


ROUTES = [
    Route("/configuration/users/{user_id}", user_page),
    Route("/configuration/users/{user_id}", change_user, methods=["POST"]),
]
