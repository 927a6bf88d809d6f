import sys
from typing import Any

import qrcode
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.selectors import reader_get
from accounts.services import staff_totp_enrol
from web.errors import Forbidden, NotFound


class Command(BaseCommand):
    help = (
        "Give a staff account a new authenticator-app (TOTP) device and print its setup code "
        "(for sites with OTP_REQUIRED_FOR_STAFF, where staff cannot log in to set one up)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--no-qr", action="store_true", help="print only the otpauth:// address")

    def handle(self, *args: Any, username: str, no_qr: bool, **options: Any) -> None:
        try:
            user = reader_get(username=username)
        except NotFound:
            raise CommandError(f"no account {username!r}") from None
        try:
            device = staff_totp_enrol(user=user, replace=True)
        except Forbidden:
            raise CommandError(f"{username} is not staff; two-factor login is for the admin") from None
        self.stdout.write(
            f"Scan this with the authenticator app of {username}, or enter the address by hand:"
        )
        self.stdout.write(device.config_url)
        if not no_qr:
            code = qrcode.QRCode(border=1)
            code.add_data(device.config_url)
            code.print_ascii(out=sys.stdout if self.stdout._out is sys.stdout else self.stdout._out)  # type: ignore[arg-type]  # the stubs leave out OutputWrapper._out
