"""Ids typed into forms and URLs: anything that is not a positive whole number is 'not found', never a crash."""
import math

import pytest

from khata.errors import NotFound
from khata.validate import as_id


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, 1.5, 0, -3, True, None, "", "1e3", " 2x", 1e30])
def test_ids_that_are_not_positive_whole_numbers_are_not_found(value):
    with pytest.raises(NotFound, match="does not exist"):
        as_id(value, "customer")


@pytest.mark.parametrize("value,expected", [(7, 7), ("7", 7), (" 12 ", 12)])
def test_positive_whole_numbers_are_ids(value, expected):
    assert as_id(value, "customer") == expected
