"""Team accounts in the web app, end to end: an admin manages users, a member of staff signs in.

Two browser contexts (two people, each with their own cookie and session storage) against the
real API serving web/dist, on PostgreSQL and SQLite. Screenshots: test-artifacts/web/users*.png
and account.png.
"""

import re
from typing import Any

import pytest
from sqlalchemy.orm import Session

from api.security import hash_password
from core.db import make_engine
from core.models import User
from tests.web.support import (
    PASSWORD,
    new_page,
    require_built_app,
    shot,
    sign_in,
    site_fixture,
)

require_built_app()

expect = pytest.importorskip("playwright.sync_api").expect

STAFF_PASSWORD = "sato-first-password"
RESET_PASSWORD = "sato-reset-password"
TANAKA_PASSWORD = "tanaka-old-password"
TANAKA_NEW_PASSWORD = "tanaka-new-password"
LAST_ADMIN = "The last active admin cannot be disabled, demoted or deleted."


def seed(url: str) -> None:
    """The only admin, and tanaka (staff), who changes their own password."""
    engine = make_engine(url)
    with Session(engine) as session:
        session.add(User(username="admin", password_hash=hash_password(PASSWORD), is_admin=True))
        session.add(
            User(username="tanaka", password_hash=hash_password(TANAKA_PASSWORD), is_admin=False)
        )
        session.commit()
    engine.dispose()


# The API and the SPA on one origin, over the seeded database.
base_url = site_fixture(seed)


def user_row(page: Any, username: str) -> Any:
    return page.locator(f'[data-testid="user-row"][data-username="{username}"]')


def sign_in_here(page: Any, username: str, password: str) -> None:
    """Fill the login page the browser is on and wait until the app is back."""
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("current-user").wait_for()


def add_user(page: Any, username: str, password: str) -> None:
    form = page.get_by_test_id("add-user-form")
    form.get_by_label("Username").fill(username)
    form.get_by_label("Password", exact=True).fill(password)
    form.get_by_role("button", name="Add user").click()


def test_admin_adds_disables_resets_and_deletes_a_staff_account(
    browser: Any, base_url: str
) -> None:
    with new_page(browser, base_url) as admin, new_page(browser, base_url) as staff:
        sign_in(admin, "/users", ready="users-table")
        expect(admin.get_by_test_id("nav-users")).to_have_attribute("aria-current", "page")
        expect(user_row(admin, "admin").get_by_test_id("user-role")).to_have_text("Admin")

        # Adding: the rules are checked before the API is asked, then the API's 409.
        admin.get_by_test_id("add-user").click()
        add_user(admin, "sato", "short")
        expect(admin.get_by_test_id("add-user-error")).to_have_text(
            "The password is shorter than 12 characters."
        )
        add_user(admin, "sato", STAFF_PASSWORD)
        expect(admin.get_by_test_id("users-notice")).to_have_text("sato was added as staff.")
        sato = user_row(admin, "sato")
        expect(sato.get_by_test_id("user-role")).to_have_text("Staff")
        expect(sato.get_by_test_id("user-status")).to_have_text("Active")
        admin.get_by_test_id("add-user").click()
        add_user(admin, "sato", "another-password-1")
        expect(admin.get_by_test_id("add-user-error")).to_have_text(
            "The username “sato” is taken. Choose another."
        )
        admin.get_by_test_id("add-user-form").get_by_role("button", name="Cancel").click()

        # The new member of staff signs in: no Users link, and /users says why.
        sign_in(staff, "/", username="sato", password=STAFF_PASSWORD, ready="current-user")
        expect(staff.get_by_test_id("current-user")).to_have_text("sato")
        expect(staff.get_by_test_id("nav-users")).to_have_count(0)
        staff.goto("/users")
        expect(staff.get_by_test_id("admins-only")).to_contain_text("Admins only")
        shot(staff, "users-staff")

        # Disabled: the staff's next request fails and the app sends them to sign in.
        sato.get_by_role("button", name="Disable sato").click()
        expect(sato.get_by_test_id("user-status")).to_have_text("Disabled")
        staff.get_by_role("link", name="Carsensor stock").click()
        staff.wait_for_url(re.compile(r"/login\?next="))

        # Enabled again with a new password, which is the one that signs in.
        sato.get_by_role("button", name="Enable sato").click()
        expect(sato.get_by_test_id("user-status")).to_have_text("Active")
        sato.get_by_role("button", name="Reset password: sato").click()
        reset = admin.get_by_test_id("reset-form")
        reset.get_by_label("New password for sato").fill("SATO")
        reset.get_by_role("button", name="Set password").click()
        expect(reset.get_by_role("alert")).to_have_text("The password is the username.")
        reset.get_by_label("New password for sato").fill(RESET_PASSWORD)
        shot(admin, "users-reset")
        reset.get_by_role("button", name="Set password").click()
        expect(admin.get_by_test_id("users-notice")).to_have_text("New password set for sato.")
        expect(reset).to_have_count(0)
        sign_in_here(staff, "sato", RESET_PASSWORD)
        expect(staff.get_by_test_id("current-user")).to_have_text("sato")

        # The last active admin can be neither disabled nor demoted: the API's 409, inline.
        me = user_row(admin, "admin")
        me.get_by_role("button", name="Disable admin").click()
        expect(admin.get_by_test_id("row-error")).to_have_text(LAST_ADMIN)
        expect(me.get_by_test_id("user-status")).to_have_text("Active")
        shot(admin, "users")
        admin.set_viewport_size({"width": 390, "height": 844})
        shot(admin, "users-phone")
        # Cards at phone width: nothing scrolls sideways.
        assert admin.evaluate("document.documentElement.scrollWidth") <= 390
        admin.set_viewport_size({"width": 1366, "height": 900})
        me.get_by_role("button", name="Make staff: admin").click()
        expect(admin.get_by_test_id("row-error")).to_have_text(LAST_ADMIN)
        expect(me.get_by_test_id("user-role")).to_have_text("Admin")

        # Delete asks first; Cancel keeps the account.
        sato.get_by_role("button", name="Delete sato").click()
        panel = admin.get_by_test_id("user-panel")
        panel.get_by_role("button", name="Cancel").click()
        expect(panel).to_have_count(0)
        sato.get_by_role("button", name="Delete sato").click()
        panel.get_by_role("button", name="Delete for good").click()
        expect(admin.get_by_test_id("users-notice")).to_have_text("sato was deleted.")
        expect(sato).to_have_count(0)
        # Away and back through the header: the list is read again from the API.
        admin.get_by_role("link", name="Carsensor stock").click()
        admin.get_by_test_id("nav-users").click()
        expect(admin.get_by_test_id("users-summary")).to_have_text("2 in all · 2 active")
        expect(user_row(admin, "tanaka")).to_have_count(1)
        expect(user_row(admin, "sato")).to_have_count(0)


def test_a_user_changes_their_own_password_and_signs_in_with_it(page: Any) -> None:
    sign_in(page, "/", username="tanaka", password=TANAKA_PASSWORD, ready="current-user")
    page.get_by_test_id("current-user").click()
    page.wait_for_url(re.compile(r"/account$"))
    form = page.get_by_test_id("password-form")
    error = form.get_by_test_id("password-error")

    form.get_by_label("Current password").fill("not-my-password")
    form.get_by_label("New password", exact=True).fill(TANAKA_NEW_PASSWORD)
    form.get_by_label("Confirm new password").fill(TANAKA_NEW_PASSWORD)
    form.get_by_role("button", name="Change password").click()
    expect(error).to_have_text("The current password is wrong.")

    form.get_by_label("Current password").fill(TANAKA_PASSWORD)
    form.get_by_label("Confirm new password").fill("tanaka-typo-password")
    form.get_by_role("button", name="Change password").click()
    expect(error).to_have_text("The new password and its confirmation differ.")

    form.get_by_label("Confirm new password").fill(TANAKA_NEW_PASSWORD)
    form.get_by_role("button", name="Change password").click()
    expect(form.get_by_test_id("password-changed")).to_be_visible()
    expect(error).to_have_count(0)
    shot(page, "account")

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/login"))
    sign_in_here(page, "tanaka", TANAKA_NEW_PASSWORD)
    expect(page.get_by_test_id("current-user")).to_have_text("tanaka")
