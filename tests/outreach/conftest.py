import pytest

from .factories import Outreach


@pytest.fixture
def outreach(district) -> Outreach:
    return Outreach(district)
