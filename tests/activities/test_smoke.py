import pytest
from django.urls import reverse

from tests.factories import make_activity

pytestmark = pytest.mark.django_db


def test_pages_open(client, staff, reviewer):
    activity = make_activity(staff)
    client.force_login(staff)
    for url in [
        reverse("activities:list"),
        reverse("activities:mine"),
        reverse("activities:create"),
        activity.get_absolute_url(),
        reverse("activities:edit", args=[activity.pk]),
        reverse("activities:form-kind-fields") + "?kind=aid",
        reverse("activities:form-duties") + "?agency=1",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    client.force_login(reviewer)
    assert client.get(reverse("activities:review")).status_code == 200
