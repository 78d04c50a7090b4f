"""Notification tasks: thin wrappers over forensics.services.notifications, passed ids only.

Acknowledged late, so a worker killed mid-task leaves the message to be redelivered; idempotent,
because the service claims each delivery with a conditional UPDATE before sending it.
"""

from celery import shared_task

from forensics.services import notifications


@shared_task(name="notifications.deliver", acks_late=True, ignore_result=True)
def deliver_notification(delivery_id: int) -> str:
    """Send one e-mail or webhook delivery if it is due and unclaimed."""
    return notifications.deliver(delivery_id)


@shared_task(name="notifications.sweep", acks_late=True, ignore_result=True)
def sweep_notifications() -> dict:
    """Periodic: re-enqueue deliveries a lost task or a restarted broker left behind."""
    return notifications.sweep()


@shared_task(name="notifications.send_digests", acks_late=True, ignore_result=True)
def send_notification_digests() -> dict:
    """Daily: one e-mail per digest organisation listing its new notifications."""
    return notifications.send_digests()
