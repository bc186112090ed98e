"""What a stored photo looks like to a client: its address, size and the quality report of the source."""
from marshmallow import fields, validate

from api.schemas import StrictSchema

class MeasureSchema(StrictSchema):
    value = fields.Float(required=True)
    verdict = fields.String(required=True, validate=validate.OneOf(["pass", "warn"]),
                            metadata={"description": "`warn`: the app should offer a retake"})


class SourceSchema(StrictSchema):
    width = fields.Integer(required=True, metadata={"description": "source width, upright"})
    height = fields.Integer(required=True, metadata={"description": "source height, upright"})
    verdict = fields.String(required=True, metadata={
        "description": "`warn` when the 3:4 crop of the source is narrower than 450 px (upscaled, soft)"})


class QualitySchema(StrictSchema):
    verdict = fields.String(required=True, metadata={"description": "`warn` if any measure warns"})
    warnings = fields.List(fields.String(), required=True, metadata={
        "description": "names of the measures that warn: source, brightness, contrast, sharpness"})
    source = fields.Nested(SourceSchema, required=True)
    brightness = fields.Nested(MeasureSchema, required=True, metadata={
        "description": "mean luma 0–255 of the portrait; pass within 50–220"})
    contrast = fields.Nested(MeasureSchema, required=True, metadata={
        "description": "luma standard deviation; pass from 20"})
    sharpness = fields.Nested(MeasureSchema, required=True, metadata={
        "description": "variance of the Laplacian of the grey portrait's face region (the central "
                       "300×400 pixels at x 150–450, y 120–520 of the 600×800 portrait); pass from 20"})


class PhotoSchema(StrictSchema):
    sha256 = fields.String(required=True, metadata={"description": "SHA-256 of the body as uploaded"})
    width = fields.Integer(required=True, metadata={"example": 600})
    height = fields.Integer(required=True, metadata={"example": 800})
    bytes = fields.Integer(required=True, metadata={"description": "size of the stored JPEG"})
    quality = fields.Nested(QualitySchema, required=True)


photo_schema = PhotoSchema()
