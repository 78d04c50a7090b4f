from django.apps import AppConfig


class ForensicsConfig(AppConfig):
    name = "forensics"
    verbose_name = "Forensics"

    def ready(self):
        from forensics.services import findings, notifications

        findings.on_finding_confirmed(notifications.notify_finding_confirmed)
