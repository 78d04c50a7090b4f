from .roles import organisation_of, primary_role


def role(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_role": "", "user_organisation": None}
    return {"user_role": primary_role(user), "user_organisation": organisation_of(user)}
