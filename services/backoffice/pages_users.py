"""A directory user's own page, for administrators: what the directory says of them, the
approval requests that wait for them, and a form that starts from what is stored, so that a
change keeps every field it does not touch. Deactivating someone who has requests waiting
names who takes them over; the approval service's refusals are shown on the page. An
administrator also sets a user away (a delegate decides for them meanwhile) or back."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from services.backoffice.away_form import away_command, away_state, away_values
from services.backoffice.bus import Answer
from services.backoffice.cycle_form import FormError
from services.backoffice.domain import require_admin
from services.backoffice.formats import Formats
from services.backoffice.web import backoffice, form, problem, render, signed_in, utcnow, viewer
from shared.contracts import ClearAway, UpsertUser, UserUpserted

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
    typed_away: dict[str, str] | None = None,
) -> Response:
    office = backoffice(request)
    person = await office.people.get(user_id)
    if person is None:
        return problem(request, 404, "No such user", f"The approval directory has no {user_id}.")
    away = away_state(next(iter(await office.reads.users(user_id)), {}).get("away"), utcnow())
    return render(
        request,
        "user.html",
        status,
        person=person,
        shown=shown or person,
        away=away,
        away_form=typed_away or away_values(away, formats(request)),
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
    done = done or AWAY_DONE.get(params.get("done", ""))
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


AWAY_DONE = {
    "away": "The away was saved: requests for them go to the delegate meanwhile.",
    "back": "They are back: new requests go to them again.",
}


async def send_away(
    request: Request, user_id: str, sent: dict[str, str]
) -> tuple[Answer | None, str]:
    """``approval.set_away`` from the away form, as the person signed in: the answer, or no
    answer and the refusal in words when the form itself is wrong."""
    me = viewer(request).user_id
    try:
        command = away_command(user_id, sent, me, formats(request).zone)
    except ValidationError as error:
        return None, invalid_words(error)
    except FormError as error:
        return None, str(error)
    answer = await backoffice(request).broker.send(command, me)
    return answer, answer.words if answer.refused else ""


async def send_back(request: Request, user_id: str) -> Answer:
    """``approval.clear_away``, as the person signed in."""
    me = viewer(request).user_id
    return await backoffice(request).broker.send(ClearAway(user_id=user_id, cleared_by=me), me)


@signed_in
async def set_away(request: Request) -> Response:
    """An administrator sets a user away, with their delegate and range."""
    require_admin(viewer(request), "set users away")
    user_id, sent = request.path_params["user_id"], form(request)
    answer, refused = await send_away(request, user_id, sent)
    if answer is None or answer.refused:
        status = 422 if answer is None else 409
        return await _page(request, user_id, status, error=refused, typed_away=sent)
    return RedirectResponse(f"/configuration/users/{quote(user_id, safe='')}?done=away", 303)


@signed_in
async def clear_away(request: Request) -> Response:
    """An administrator says a user is back: nothing more goes to their delegate."""
    require_admin(viewer(request), "say users are back")
    user_id = request.path_params["user_id"]
    answer = await send_back(request, user_id)
    if answer.refused:
        return await _page(request, user_id, 409, error=answer.words)
    return RedirectResponse(f"/configuration/users/{quote(user_id, safe='')}?done=back", 303)


def formats(request: Request) -> Formats:
    return getattr(request.state, "formats", None) or Formats()


ROUTES = [
    Route("/configuration/users/{user_id}", user_page),
    Route("/configuration/users/{user_id}", change_user, methods=["POST"]),
    Route("/configuration/users/{user_id}/away", set_away, methods=["POST"]),
    Route("/configuration/users/{user_id}/back", clear_away, methods=["POST"]),
]
