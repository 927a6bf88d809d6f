"""Setting up the authenticator app of a staff account: the one service behind the
admin's two-factor page and `manage.py totp_enroll`."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.services import staff_totp_confirm, staff_totp_enrol
from tests.factories import UserFactory, current_code, wrong_code
from web.errors import Forbidden, InvalidInput

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():  # type: ignore[no-untyped-def]
    return UserFactory(username="mod", is_staff=True)


def devices(user) -> list[tuple[str, bool]]:  # type: ignore[no-untyped-def]
    return list(TOTPDevice.objects.filter(user=user).values_list("name", "confirmed"))


def test_a_reader_gets_no_authenticator(reader) -> None:
    with pytest.raises(Forbidden):
        staff_totp_enrol(user=reader)
    assert devices(reader) == []


def test_setting_up_shows_the_same_device_until_it_is_confirmed(staff) -> None:
    first = staff_totp_enrol(user=staff)
    assert staff_totp_enrol(user=staff).config_url == first.config_url
    assert devices(staff) == [("app", False)]


def test_the_current_code_confirms_the_device(staff) -> None:
    device = staff_totp_enrol(user=staff)
    staff_totp_confirm(device=device, code=current_code(device))
    assert devices(staff) == [("app", True)]


def test_a_wrong_code_confirms_nothing(staff) -> None:
    device = staff_totp_enrol(user=staff)
    with pytest.raises(InvalidInput) as error:
        staff_totp_confirm(device=device, code=wrong_code(device))
    assert error.value.field == "token"
    assert devices(staff) == [("app", False)]


def test_replacing_removes_the_old_devices_and_counts_at_once(staff) -> None:
    TOTPDevice.objects.create(user=staff, name="old", confirmed=True)
    staff_totp_enrol(user=staff, replace=True)
    assert devices(staff) == [("app", True)]
