"""Trace-request tasks: the periodic reminders and deadlines (forensics.services.traces)."""

from celery import shared_task

from forensics.services import traces


@shared_task(name="traces.process_due", acks_late=True, ignore_result=True)
def process_trace_requests_due() -> dict:
    """Periodic: send the day-14/day-21 reminders once each and mark passed deadlines overdue."""
    return traces.process_due()
