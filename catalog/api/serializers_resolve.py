"""Request validation and response documentation for `POST /api/v1/resolve/`."""

from rest_framework import serializers

MAX_TEXT_CHARS = 10_000
"""Longest text accepted; a marking is a few dozen characters, a report line a few hundred."""

MAX_TEXTS = 1_000


def _check_text(value: str, where: str = "") -> str:
    """Refuse what cannot be read as marking text at all, with a message saying which item."""
    if not value.strip():
        raise serializers.ValidationError(f"{where}the text is empty: send the marking as read.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise serializers.ValidationError(
            f"{where}the text holds unpaired surrogate characters; send valid UTF-8."
        ) from None
    return value


class TextField(serializers.CharField):
    """A JSON string, nothing else: DRF's CharField would read 42 as "42"."""

    default_error_messages = {"invalid": "Not a string: send the marking as JSON text."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class ResolveRequestSerializer(serializers.Serializer):
    """Either one `text` or a list of up to 1,000 `texts`."""

    text = TextField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=MAX_TEXT_CHARS,
        help_text=f"One marking as read off the chip (at most {MAX_TEXT_CHARS:,} characters).",
    )
    texts = serializers.ListField(
        child=TextField(allow_blank=True, trim_whitespace=False, max_length=MAX_TEXT_CHARS),
        required=False,
        allow_empty=False,
        max_length=MAX_TEXTS,
        help_text=f"Up to {MAX_TEXTS:,} markings, answered in the same order.",
    )

    def validate_text(self, value):
        return _check_text(value)

    def validate_texts(self, value):
        return [_check_text(text, f"texts[{i}]: ") for i, text in enumerate(value)]

    def validate(self, attrs):
        if ("text" in attrs) == ("texts" in attrs):
            raise serializers.ValidationError(
                'Send exactly one of "text" (one marking) or "texts" (a list of markings).'
            )
        unknown = (
            set(self.initial_data) - set(self.fields)
            if isinstance(self.initial_data, dict)
            else set()
        )
        if unknown:
            raise serializers.ValidationError(
                f"Unknown field(s): {', '.join(sorted(unknown))}; use text or texts."
            )
        return attrs


class ResolveCandidateSerializer(serializers.Serializer):
    part_id = serializers.IntegerField(allow_null=True)
    mpn = serializers.CharField(allow_null=True)
    manufacturer_id = serializers.IntegerField()
    manufacturer = serializers.CharField()
    owner_id = serializers.IntegerField()
    owner = serializers.CharField()
    country = serializers.CharField()
    score = serializers.FloatField(help_text="Probability that the manufacturer is right.")
    part_score = serializers.FloatField(help_text="This part's share of that probability.")
    match = serializers.CharField()
    key = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())


class ResolveDateReadingSerializer(serializers.Serializer):
    rule = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    confidence = serializers.FloatField()
    after_export_controls = serializers.BooleanField()
    possibly_after = serializers.BooleanField()


class ResolveDateCodeSerializer(serializers.Serializer):
    token = serializers.CharField()
    rule = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    after_export_controls = serializers.BooleanField()
    possibly_after = serializers.BooleanField()
    confidence = serializers.FloatField()
    explanation = serializers.CharField()
    earliest = serializers.DateField()
    latest = serializers.DateField()
    readings = ResolveDateReadingSerializer(many=True)


class ResolveTokenSerializer(serializers.Serializer):
    raw = serializers.CharField()
    norm = serializers.CharField()
    line = serializers.IntegerField()
    index = serializers.IntegerField()


class ResolutionSerializer(serializers.Serializer):
    """One text's answer (documentation only: the view returns `Resolution.to_dict()`)."""

    text = serializers.CharField()
    status = serializers.ChoiceField(choices=["confident", "ambiguous", "unknown"])
    candidates = ResolveCandidateSerializer(many=True)
    date_code = ResolveDateCodeSerializer(allow_null=True)
    lot_code = serializers.CharField(allow_null=True)
    words = serializers.ListField(child=serializers.CharField())
    tokens = ResolveTokenSerializer(many=True)
    part_number = serializers.CharField(
        allow_null=True, help_text="The part number as read off the marking (normalised)."
    )
    part_candidates = serializers.ListField(child=serializers.CharField())
    warnings = serializers.ListField(child=serializers.CharField())
    error = serializers.CharField(allow_null=True)


class ResolveBatchSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = ResolutionSerializer(many=True)
