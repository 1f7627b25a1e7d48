from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit
from allauth.mfa.internal.flows.trust import is_trusted_browser
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.core.exceptions import PermissionDenied

from core.client_address import client_address

RATE_LIMIT_APP = "allauth.account"
ADDRESS_ACTION = "login_failed_ip"  # our own entry in ACCOUNT_RATE_LIMITS, next to login_failed


def _asks_for_second_factor(request, user) -> bool:
    """Whether allauth's MFA stage will stop ``user`` at the code (its own test, in allauth.mfa)."""
    return is_mfa_enabled(
        user, [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ) and not is_trusted_browser(request, user)


class AccountAdapter(DefaultAccountAdapter):
    """Accounts come by invitation from a program director or coordinator, never by sign-up."""

    def is_open_for_signup(self, request) -> bool:
        return False

    def get_client_ip(self, request) -> str:
        # allauth keys its per-address rate limits on this; the audit trail uses the same answer.
        address = client_address(request)
        if not address:
            raise PermissionDenied("Unable to determine client IP address")
        return address

    # Failed sign-ins are limited per account ("login_failed", per key: allauth applies it here
    # and again at the two-factor step) and per client address ("login_failed_ip", applied only
    # here). allauth would check the address before looking at the password, so one person
    # guessing from a shared address (a hospital NAT) would refuse everyone there. Instead the
    # address lock is consulted once the password's verdict is known: a right password still
    # gets through it when the account then has to pass its second factor; a wrong one, or the
    # right one of an account without a second factor, is refused with the lock message (the
    # same answer either way, so the lock reveals nothing about the password). Every password
    # checked counts against the account, so guesses behind the address lock stay bounded.

    def pre_authenticate(self, request, **credentials) -> None:
        cache_key = self._get_login_attempts_cache_key(request, **credentials)
        self._login_failed_rl_usage = ratelimit.consume(
            request, app=RATE_LIMIT_APP, action="login_failed", key=cache_key
        )
        if not self._login_failed_rl_usage:
            raise self.validation_error("too_many_login_attempts")

    def authenticate(self, request, **credentials):
        address_open = ratelimit.consume(
            request, app=RATE_LIMIT_APP, action=ADDRESS_ACTION, dry_run=True
        )
        user = super().authenticate(request, **credentials)
        if user is None:
            # Counts a failure against the address (nothing is added while it is locked).
            ratelimit.consume(request, app=RATE_LIMIT_APP, action=ADDRESS_ACTION)
        if not address_open and (user is None or not _asks_for_second_factor(request, user)):
            raise self.validation_error("too_many_login_attempts")
        return user
