from django.core.management.base import BaseCommand, CommandError

from forensics import demo


class Command(BaseCommand):
    help = "Load the demo data set (real shared data) and create one demo user per role."

    def handle(self, *args, **options):
        data_dir = demo.shared_data_dir()
        if not (data_dir / "digikey-parts.csv").exists():
            raise CommandError(
                f"Demo data not found in {data_dir}. Set SHARED_DATA_DIR to the folder holding "
                "digikey-parts.csv and gur-components-dev.csv."
            )
        users = demo.create_demo_users()
        for step in demo.steps():
            message = step(data_dir)
            self.stdout.write(f"  {message}")
        self.stdout.write(self.style.SUCCESS("\nDemo logins (http://127.0.0.1:8000/login/):"))
        for user in users:
            where = f" ({user.organisation})" if user.organisation else ""
            self.stdout.write(f"  {user.role:<13} {user.username:<12} {user.password}{where}")
