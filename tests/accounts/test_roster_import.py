"""Roster CSV import: every rule of the parser, and the all-or-nothing service."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Invitation
from accounts.roster_import import MAX_BYTES, MAX_ROWS, TEMPLATE_CSV, roster_parse
from accounts.services import roster_import, roster_import_preview
from curriculum.models import Membership
from tests.accounts.factories import InvitationFactory

Role = Membership.Role
HEADER = "email,full_name,role\n"


def csv_bytes(*lines: str, header: str = HEADER) -> bytes:
    return (header + "".join(f"{line}\n" for line in lines)).encode()


# --- roster_parse: clean files -----------------------------------------------------------------


def test_a_clean_file_is_ready_with_values_normalised():
    preview = roster_parse(
        csv_bytes(
            " Ana.Ruiz@Example.TEST , Dr. Ana Ruiz , Fellow",
            "ben@example.test,Dr. Ben Ode,faculty",
        )
    )
    assert preview.is_clean and preview.errors == []
    assert [(r.number, r.email, r.full_name, r.role) for r in preview.rows] == [
        (2, "ana.ruiz@example.test", "Dr. Ana Ruiz", "fellow"),
        (3, "ben@example.test", "Dr. Ben Ode", "faculty"),
    ]
    assert (preview.ready_count, preview.problem_count) == (2, 0)


def test_header_is_case_insensitive_in_any_order_and_a_utf8_bom_is_accepted():
    content = "\ufeffRole,EMAIL,Full_Name\r\nfellow,zoe@example.test,Zoë Brontë\r\n".encode()
    preview = roster_parse(content)
    assert preview.is_clean
    [row] = preview.rows
    assert (row.email, row.full_name, row.role) == ("zoe@example.test", "Zoë Brontë", "fellow")


def test_the_template_file_is_itself_clean():
    assert roster_parse(TEMPLATE_CSV.encode()).is_clean


def test_blank_lines_are_skipped_but_still_counted_in_row_numbers():
    preview = roster_parse(csv_bytes("a@example.test,A,fellow", "", "bad,B,fellow"))
    assert [r.number for r in preview.rows] == [2, 4]
    assert preview.errors == ["Row 4 (email): “bad” is not a valid email address"]


# --- roster_parse: row rules -------------------------------------------------------------------


def test_every_row_rule_is_named_with_its_row_and_column():
    preview = roster_parse(
        csv_bytes(
            "ok@example.test,Dr. Ok,fellow",  # row 2
            "jane@,Dr. Jane,fellow",  # row 3
            ",Dr. Nobody,fellow",  # row 4
            "noname@example.test,,faculty",  # row 5
            "boss@example.test,Dr. Boss,director",  # row 6
            "norole@example.test,Dr. No Role,",  # row 7
            f"long@example.test,{'x' * 151},fellow",  # row 8
            "extra@example.test,Dr. Extra,fellow,surprise",  # row 9
        )
    )
    assert not preview.is_clean
    assert preview.errors == [
        "Row 3 (email): “jane@” is not a valid email address",
        "Row 4 (email): the email address is missing",
        "Row 5 (full_name): the full name is missing",
        "Row 6 (role): “director” is not a role you can import (use fellow or faculty)",
        "Row 7 (role): the role is missing (use fellow or faculty)",
        "Row 8 (full_name): the full name is longer than 150 characters",
        "Row 9: has 4 values but the header names only 3 columns",
    ]
    assert (preview.ready_count, preview.problem_count) == (1, 7)
    assert preview.rows[0].is_ready and not preview.rows[1].is_ready


def test_a_short_row_reports_its_missing_cells():
    preview = roster_parse(csv_bytes("short@example.test"))
    assert preview.errors == [
        "Row 2 (full_name): the full name is missing",
        "Row 2 (role): the role is missing (use fellow or faculty)",
    ]


def test_the_same_email_twice_names_both_rows():
    preview = roster_parse(
        csv_bytes(
            "twin@example.test,Dr. Twin,fellow",
            "other@example.test,Dr. Other,fellow",
            "TWIN@example.test,Dr. Twin Again,faculty",
        )
    )
    assert preview.errors == [
        "Row 2 (email): twin@example.test is also on row 4; list each person once",
        "Row 4 (email): twin@example.test is also on row 2; list each person once",
    ]
    assert preview.rows[1].is_ready


def test_three_copies_name_all_the_other_rows():
    preview = roster_parse(csv_bytes(*["t@example.test,T,fellow"] * 3))
    assert "Row 3 (email): t@example.test is also on rows 2, 4; list each person once" in (
        preview.errors
    )


def test_someone_already_holding_the_role_is_refused_but_another_role_is_fine():
    members = {("held@example.test", "fellow")}
    preview = roster_parse(
        csv_bytes("Held@example.test,Dr. Held,fellow", "other@example.test,Dr. O,faculty"),
        members=members,
    )
    assert preview.errors == [
        "Row 2 (email): held@example.test already has the fellow role in this program"
    ]
    assert roster_parse(csv_bytes("held@example.test,Dr. Held,faculty"), members=members).is_clean


def test_an_open_invitation_is_a_note_not_an_error():
    preview = roster_parse(
        csv_bytes("waiting@example.test,Dr. Wait,fellow"),
        open_invitations={("waiting@example.test", "fellow")},
    )
    assert preview.is_clean
    assert preview.notes == [
        "Row 2: waiting@example.test already has an open invitation as fellow; "
        "it will be withdrawn and a new one sent."
    ]


# --- roster_parse: file rules ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("email,full_name,role,phone\n", "Unexpected column “phone”."),
        ("email,full_name\n", "Missing column “role”."),
        ("email,name,role\n", "Unexpected column “name”."),
        ("email,email,full_name,role\n", "The column “email” appears twice."),
        ("email,,full_name,role\n", "Column 2 of the header row has no name."),
    ],
)
def test_header_problems_are_named(header, expected):
    preview = roster_parse(csv_bytes("a@example.test,A,fellow", header=header))
    assert expected in preview.file_errors
    assert preview.rows == [] and not preview.is_clean


def test_a_header_without_rows_is_refused():
    preview = roster_parse(HEADER.encode())
    assert preview.file_errors == ["The file has a header row but nobody below it."]
    assert not preview.is_clean


def test_an_empty_file_is_refused():
    assert roster_parse(b"").file_errors[0].startswith("The file is empty.")
    assert roster_parse(b"  \n\n").file_errors[0].startswith("The file is empty.")


def test_more_than_500_rows_is_refused():
    lines = [f"p{n}@example.test,P {n},fellow" for n in range(MAX_ROWS + 1)]
    preview = roster_parse(csv_bytes(*lines))
    assert preview.file_errors == [
        "The file has 501 people; at most 500 can be imported at once. Split it into smaller files."
    ]
    assert roster_parse(csv_bytes(*lines[:MAX_ROWS])).is_clean


def test_a_file_over_256_kb_is_refused():
    preview = roster_parse(b"x" * (MAX_BYTES + 1))
    assert preview.file_errors == ["The file is larger than 256 KB. Split it into smaller files."]


def test_a_file_that_is_not_utf8_is_refused():
    preview = roster_parse(csv_bytes("zoe@example.test,Zoë,fellow").decode().encode("latin-1"))
    assert preview.file_errors == [
        "The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again."
    ]


@pytest.mark.parametrize(
    "content",
    [
        b"PK\x03\x04\x14\x00 workbook",
        b'email,full_name,role\n"a@example.test,A,fellow\n',
        b"a\x00b",
    ],
)
def test_a_file_that_is_not_csv_is_refused(content):
    preview = roster_parse(content)
    assert len(preview.file_errors) == 1 and not preview.is_clean


# --- roster_import (service) -------------------------------------------------------------------


def import_csv(actor, program, content: bytes):
    return roster_import(actor=actor, program=program, content=content)


CLEAN = csv_bytes(
    "ana@example.test,Dr. Ana Ruiz,fellow",
    "ben@example.test,Dr. Ben Ode,fellow",
    "cy@example.test,Dr. Cy Lee,faculty",
)


@pytest.mark.parametrize("role", ["director", "coordinator"])
def test_a_clean_file_invites_everyone_and_mails_after_commit(
    ours, role, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitations = import_csv(ours.user(role), ours.program, CLEAN)
    assert mail.outbox == [] and len(callbacks) == 3
    for callback in callbacks:
        callback()

    assert [(i.email, i.role) for i in invitations] == [
        ("ana@example.test", "fellow"),
        ("ben@example.test", "fellow"),
        ("cy@example.test", "faculty"),
    ]
    assert Invitation.objects.filter(program=ours.program, invited_by=ours.user(role)).count() == 3
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ana@example.test",
        "ben@example.test",
        "cy@example.test",
    ]


def test_one_bad_row_saves_nothing_and_sends_nothing(ours, django_capture_on_commit_callbacks):
    content = CLEAN + b"jane@,Dr. Jane,fellow\n"
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as error:
        import_csv(ours.director, ours.program, content)
    assert error.value.messages == ["Row 5 (email): “jane@” is not a valid email address"]
    assert not Invitation.objects.exists() and mail.outbox == []


def test_a_file_level_problem_is_raised_too(ours):
    with pytest.raises(ValidationError, match="Missing column"):
        import_csv(ours.director, ours.program, b"email,full_name\na@example.test,A\n")
    with pytest.raises(ValidationError, match="nobody below it"):
        import_csv(ours.director, ours.program, HEADER.encode())
    assert not Invitation.objects.exists()


def test_an_existing_member_is_refused_and_nothing_is_saved(
    ours, django_capture_on_commit_callbacks
):
    content = CLEAN + f"{ours.fellow.email.upper()},Again,fellow\n".encode()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as error:
        import_csv(ours.director, ours.program, content)
    assert error.value.messages == [
        f"Row 5 (email): {ours.fellow.email} already has the fellow role in this program"
    ]
    assert not Invitation.objects.exists() and mail.outbox == []


def test_a_deactivated_member_can_be_invited_again(ours, django_capture_on_commit_callbacks):
    Membership.objects.filter(user=ours.fellow, program=ours.program).update(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        [invitation] = import_csv(
            ours.director, ours.program, csv_bytes(f"{ours.fellow.email},Back,fellow")
        )
    assert invitation.email == ours.fellow.email and len(mail.outbox) == 1


def test_a_failure_halfway_rolls_back_every_row(
    ours, monkeypatch, django_capture_on_commit_callbacks
):
    """Even if a row fails only when it is saved, the rows before it are undone and unsent."""
    import accounts.services as services

    real = services.invitation_create

    def flaky(**kwargs):
        if kwargs["email"] == "cy@example.test":
            raise ValidationError("boom")
        return real(**kwargs)

    monkeypatch.setattr(services, "invitation_create", flaky)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        import_csv(ours.director, ours.program, CLEAN)
    assert not Invitation.objects.exists() and mail.outbox == []


def test_an_open_invitation_is_replaced(ours, django_capture_on_commit_callbacks):
    old = InvitationFactory(program=ours.program, email="ana@example.test", role="fellow")
    preview = roster_import_preview(actor=ours.director, program=ours.program, content=CLEAN)
    assert preview.is_clean and len(preview.notes) == 1

    with django_capture_on_commit_callbacks(execute=True):
        import_csv(ours.director, ours.program, CLEAN)
    old.refresh_from_db()
    assert old.status == Invitation.Status.REVOKED
    assert Invitation.objects.filter(email="ana@example.test", revoked_at__isnull=True).count() == 1


@pytest.mark.parametrize("role", ["faculty", "fellow"])
def test_faculty_and_fellows_cannot_import(ours, role):
    with pytest.raises(PermissionDenied):
        import_csv(ours.user(role), ours.program, CLEAN)
    with pytest.raises(PermissionDenied):
        roster_import_preview(actor=ours.user(role), program=ours.program, content=CLEAN)
    assert not Invitation.objects.exists()


def test_staff_of_another_program_cannot_import(ours, theirs):
    with pytest.raises(PermissionDenied):
        import_csv(theirs.director, ours.program, CLEAN)
    assert not Invitation.objects.exists()
