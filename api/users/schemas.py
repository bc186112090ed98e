from marshmallow import fields, validate

from api.schemas import StrictSchema
from server.models import ROLES


class UserOutSchema(StrictSchema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    role = fields.String()
    unit_code = fields.Function(lambda u: u.unit.code)
    unit_name = fields.Function(lambda u: u.unit.name)
    active = fields.Boolean()


class UserListSchema(StrictSchema):
    users = fields.List(fields.Nested(UserOutSchema))


class UserQuerySchema(StrictSchema):
    role = fields.String(validate=validate.OneOf(ROLES))
    unit = fields.String()


class UserCreateSchema(StrictSchema):
    username = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9._-]{3,64}$", error="invalid_username"))
    # No fixed error code: the Length answers too_short {min} or too_long {max}, whichever it is.
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=8, max=256))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    unit_code = fields.String(required=True)
    display_name = fields.String(load_default="", validate=validate.Length(max=255))


class UserUpdateSchema(StrictSchema):
    active = fields.Boolean()
    role = fields.String(validate=validate.OneOf(ROLES))
    password = fields.String(load_only=True, validate=validate.Length(min=8, max=256))

