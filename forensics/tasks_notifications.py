"""Notification tasks: thin wrappers over forensics.services.notifications, passed ids only.

Acknowledged late, so a worker killed mid-task leaves the message to be redelivered; idempotent,
because the service claims each delivery with a conditional UPDATE before sending it.
"""

from celery import shared_task

from forensics.services import notifications


@shared_task(name="notifications.deliver", acks_late=True, ignore_result=True)
def deliver_notifications(delivery_ids: list[int]) -> dict:
    """Send the e-mail and webhook deliveries among these ids that are due and unclaimed."""
    return notifications.deliver_batch(delivery_ids)


@shared_task(name="notifications.sweep", acks_late=True, ignore_result=True)
def sweep_notifications() -> dict:
    """Periodic: re-enqueue deliveries a lost task or a restarted broker left behind."""
    return notifications.sweep()


@shared_task(name="notifications.send_digests", acks_late=True, ignore_result=True)
def send_notification_digests() -> dict:
    """Daily: one e-mail per digest organisation listing its new notifications."""
    return notifications.send_digests()
