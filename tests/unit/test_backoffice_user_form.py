"""The back office's user form as the command it sends: an unticked box is sent as nothing by
the browser, and means off (it used to mean "active", so deactivating did nothing)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.backoffice.pages_users import invalid_words, saved_words, user_command


def test_an_unticked_box_is_off_and_blank_fields_are_none() -> None:
    command = user_command(
        "mary", {"name": " Mary ", "email": "", "manager_id": " ", "reassign_to": ""}, "root"
    )
    assert (command.active, command.admin) == (False, False)
    assert (command.name, command.email, command.manager_id) == ("Mary", None, None)
    assert (command.reassign_to, command.changed_by) == (None, "root")


def test_ticked_boxes_and_a_successor() -> None:
    command = user_command(
        "mary", {"name": "Mary", "admin": "on", "active": "on", "manager_id": "ann"}, "root"
    )
    assert (command.active, command.admin, command.manager_id) == (True, True, "ann")
    leaving = user_command("mary", {"name": "Mary", "reassign_to": " bob "}, "root")
    assert (leaving.active, leaving.reassign_to) == (False, "bob")


def test_a_successor_for_someone_staying_is_explained_field_by_field() -> None:
    with pytest.raises(ValidationError) as wrong:
        user_command("mary", {"name": "Mary", "active": "on", "reassign_to": "bob"}, "root")
    assert "reassign_to is for deactivating a user" in invalid_words(wrong.value)


def test_the_page_says_where_requests_went() -> None:
    assert saved_words(None, None) == "The user was saved."
    assert saved_words("2", "bob") == "The user was saved. 2 approval request(s) now wait for bob."
