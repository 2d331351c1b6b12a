"""Phones: E.164 for India, masked in logs."""
import pytest

from khata.errors import ValidationError
from khata.phones import mask_phone, normalize_phone


def test_phones_are_e164_and_masked():
    assert normalize_phone("098765 43210") == "+919876543210"
    assert normalize_phone("+91 98765-43210") == "+919876543210"
    assert mask_phone("+919876543210") == "+91•••••43210"
    for bad in ("12345", "abcdefghij", "", "+91 00000 00000"):
        with pytest.raises(ValidationError):
            normalize_phone(bad)
