"""The administrator's pages: users are created, disabled and re-enabled in the browser."""

from __future__ import annotations

from collections.abc import Callable

from .web_fixtures import Browser, browser  # noqa: F401


def test_admin_creates_a_user_who_can_then_sign_in(browser: Callable[[str], Browser]) -> None:  # noqa: F811
    admin = browser("admin")
    assert "officer.minhealth" in admin.get("/admin/users").get_data(as_text=True)
    response = admin.post(
        "/admin/users",
        data={
            "username": "officer.minhealth2",
            "full_name": "Aruzhan Bekova",
            "role": "agency_officer",
            "agency_code": "AGENCY:MINHEALTH",
            "password": "a-long-password-2026",
        },
    )
    assert response.status_code == 302
    assert "officer.minhealth2" in admin.get("/admin/users").get_data(as_text=True)


def test_a_user_without_an_agency_role_mismatch_is_refused_with_reasons(browser) -> None:  # noqa: F811
    admin = browser("admin")
    response = admin.post(
        "/admin/users",
        data={
            "username": "clerk.two",
            "full_name": "Two",
            "role": "mfa_clerk",
            "agency_code": "AGENCY:MINHEALTH",
            "password": "a-long-password-2026",
        },
    )
    assert response.status_code == 422
    assert "MFA clerk belongs to MFA" in response.get_data(as_text=True)


def test_admin_pages_list_agencies_certificates_and_anchors(browser) -> None:  # noqa: F811
    admin = browser("admin")
    assert "AGENCY:MINHEALTH" in admin.get("/admin/agencies").get_data(as_text=True)
    assert admin.get("/admin/certificates").status_code == 200
    assert admin.get("/admin/trust-anchors").status_code == 200


def test_the_page_chrome_follows_the_chosen_language(browser) -> None:  # noqa: F811
    admin = browser("admin")
    admin.post("/language", data={"lang": "ru", "next": "/admin/users"})
    assert '<html lang="ru">' in admin.get("/admin/users").get_data(as_text=True)


def test_admin_imports_and_removes_a_trust_anchor(browser) -> None:  # noqa: F811
    import io

    from cryptography.hazmat.primitives.serialization import Encoding

    from signing.ca import CertificateAuthority

    root = CertificateAuthority.create("Agency own CA").certificate
    admin = browser("admin")
    response = admin.post(
        "/admin/trust-anchors",
        data={
            "name": "MINECON own CA",
            "certificate": (io.BytesIO(root.public_bytes(Encoding.DER)), "root.cer"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page = admin.get("/admin/trust-anchors").get_data(as_text=True)
    assert "MINECON own CA" in page
    assert "Stop trusting" in page
    again = admin.post(
        "/admin/trust-anchors",
        data={
            "name": "twice",
            "certificate": (io.BytesIO(root.public_bytes(Encoding.PEM)), "r.pem"),
        },
        content_type="multipart/form-data",
    )
    assert again.status_code == 409
    anchor_id = int(page.split("/admin/trust-anchors/")[1].split("/")[0])
    # Without the answer to "Are you sure?" (static/confirm.js, or the page asking) nothing
    # changes; with it the root goes.
    asking = admin.post(f"/admin/trust-anchors/{anchor_id}/remove")
    assert asking.status_code == 200
    assert 'name="confirmed" value="1"' in asking.get_data(as_text=True)
    assert "Stop trusting" in admin.get("/admin/trust-anchors").get_data(as_text=True)
    removed = admin.post(f"/admin/trust-anchors/{anchor_id}/remove", data={"confirmed": "1"})
    assert removed.status_code == 302
    assert "Stop trusting" not in admin.get("/admin/trust-anchors").get_data(as_text=True)


def test_a_non_ca_certificate_is_refused(browser) -> None:  # noqa: F811
    import io

    admin = browser("admin")
    response = admin.post(
        "/admin/trust-anchors",
        data={"name": "junk", "certificate": (io.BytesIO(b"not a certificate"), "x.pem")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422


def test_admin_adds_an_agency_whose_people_can_then_be_created(browser) -> None:  # noqa: F811
    admin = browser("admin")
    names = {"name_en": "Ministry of Finance", "name_ru": "Минфин", "name_kk": "Қаржы министрлігі"}
    bad = admin.post("/admin/agencies", data={"code": "Ministry of Finance", **names})
    assert bad.status_code == 422
    assert admin.post("/admin/agencies", data={"code": "AGENCY:MINFIN", **names}).status_code == 302
    assert admin.post("/admin/agencies", data={"code": "AGENCY:MINFIN", **names}).status_code == 409
    created = admin.post(
        "/admin/users",
        data={
            "username": "officer.minfin",
            "full_name": "Asel Nurova",
            "role": "agency_officer",
            "agency_code": "AGENCY:MINFIN",
            "password": "a-long-password-2026",
        },
    )
    assert created.status_code == 302


def test_a_password_reset_ends_the_users_open_sessions(browser, db_session) -> None:  # noqa: F811
    from sqlalchemy import select

    from registry.models import User

    officer, admin = browser("officer.minecon"), browser("admin")
    assert officer.get("/inbox").status_code == 200
    user = db_session.scalar(select(User).where(User.username == "officer.minecon"))
    admin.post(f"/admin/users/{user.id}/password", data={"password": "a-brand-new-password-1"})
    assert officer.get("/inbox").status_code == 302  # back to the sign-in page


def test_changing_ones_own_password_keeps_this_session(browser) -> None:  # noqa: F811
    from .conftest import PASSWORD

    officer = browser("officer.minecon")
    response = officer.post(
        "/account/password", data={"current": PASSWORD, "new": "another-long-password-2"}
    )
    assert response.status_code == 302
    assert officer.get("/inbox").status_code == 200
