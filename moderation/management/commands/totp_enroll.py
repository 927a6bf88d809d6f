import sys
from typing import Any

import qrcode
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = (
        "Give a staff account a new authenticator-app (TOTP) device and print its setup code "
        "(for sites with OTP_REQUIRED_FOR_STAFF, where staff cannot log in to set one up)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--no-qr", action="store_true", help="print only the otpauth:// address")

    def handle(self, *args: Any, username: str, no_qr: bool, **options: Any) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no account {username!r}")
        if not user.is_staff:
            raise CommandError(f"{username} is not staff; two-factor login is for the admin")
        with transaction.atomic():
            TOTPDevice.objects.filter(user=user).delete()  # a lost phone: the old codes stop working
            device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
        self.stdout.write(
            f"Scan this with the authenticator app of {username}, or enter the address by hand:"
        )
        self.stdout.write(device.config_url)
        if not no_qr:
            code = qrcode.QRCode(border=1)
            code.add_data(device.config_url)
            code.print_ascii(out=sys.stdout if self.stdout._out is sys.stdout else self.stdout._out)  # type: ignore[arg-type]  # the stubs leave out OutputWrapper._out
