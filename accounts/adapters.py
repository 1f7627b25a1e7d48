from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Accounts come by invitation from a program director or coordinator, never by sign-up."""

    def is_open_for_signup(self, request) -> bool:
        return False
