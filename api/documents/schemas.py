"""Documents schemas: the query of the signature list."""
from marshmallow import fields

from api.schemas import StrictSchema


class CollectedQuerySchema(StrictSchema):
    unit = fields.String(required=True, metadata={
        "description": "a cell (one list) or a grassroots unit (one list per cell, each on a new page), in scope"})
