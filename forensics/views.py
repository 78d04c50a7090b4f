from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from catalog.models import Organisation, Part


@login_required
def dashboard(request):
    context = {
        "part_count": Part.objects.visible_to(request.user).count(),
        "manufacturer_count": Organisation.objects.visible_to(request.user)
        .filter(is_manufacturer=True)
        .count(),
    }
    return render(request, "dashboard.html", context)
