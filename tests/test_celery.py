"""The Celery app of the portal talks to a real Redis broker and a real worker."""

from __future__ import annotations

import pytest
from celery import Celery
from celery.contrib.testing.tasks import ping
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from doingoai.celery import app
from tests.support import redis_url


def test_tasks_run_in_process_without_a_broker():
    # The suite, like the zero-setup run (see test_settings), runs tasks in-process.
    assert settings.CELERY_TASK_ALWAYS_EAGER is True
    assert app.conf.task_always_eager is True
    assert ping.delay().get(timeout=5) == "pong"


@pytest.mark.redis
def test_a_real_worker_runs_a_task_sent_through_redis():
    # A fresh app configured exactly as doingoai/celery.py does, but pointed at Redis, since
    # the suite's own app runs eagerly.
    redis_app = Celery("doingoai")
    redis_app.config_from_object("django.conf:settings", namespace="CELERY")
    redis_app.conf.update(
        broker_url=redis_url(), result_backend=redis_url(), task_always_eager=False
    )
    assert redis_app.conf.task_acks_late is True
    assert redis_app.conf.worker_prefetch_multiplier == 1
    with start_worker(redis_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        result = redis_app.send_task("celery.ping")
        assert result.get(timeout=20) == "pong"
        assert result.successful()
