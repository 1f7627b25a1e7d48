"""Who the demo program is and who signs in to it: the published logins shared by the seed, the
`seed_demo` command's output and the browser tests."""

from curriculum.models import Membership

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 (published on purpose; refused in production)
DEMO_PROGRAM_NAME = "Demo Pain Medicine Fellowship"
DEMO_INSTITUTION = "Demo University Hospital"
DEMO_TIMEZONE = "America/Chicago"

Role = Membership.Role
DEMO_PEOPLE: list[tuple[str, str, str]] = [
    ("director@demo.test", "Dr. Maria Alvarez", Role.DIRECTOR),
    ("coordinator@demo.test", "Sam Patel", Role.COORDINATOR),
    ("faculty1@demo.test", "Dr. James Okafor", Role.FACULTY),
    ("faculty2@demo.test", "Dr. Priya Raman", Role.FACULTY),
    ("faculty3@demo.test", "Dr. Elena Novak", Role.FACULTY),
    ("fellow1@demo.test", "Dr. Alex Chen", Role.FELLOW),
    ("fellow2@demo.test", "Dr. Jordan Brooks", Role.FELLOW),
    ("fellow3@demo.test", "Dr. Fatima Hassan", Role.FELLOW),
    ("fellow4@demo.test", "Dr. Luis Moreno", Role.FELLOW),
    ("fellow5@demo.test", "Dr. Hannah Weber", Role.FELLOW),
    ("fellow6@demo.test", "Dr. Kenji Sato", Role.FELLOW),
]
