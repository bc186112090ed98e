from marshmallow import fields

from api.schemas import StrictSchema


class LoginSchema(StrictSchema):
    username = fields.String(required=True)
    password = fields.String(required=True)


class UserSchema(StrictSchema):
    id = fields.Integer()
    username = fields.String()
    role = fields.String()
    unit_code = fields.Function(lambda u: u.unit.code)
    display_name = fields.String()


class LoginResultSchema(StrictSchema):
    user = fields.Nested(UserSchema)
    csrf_token = fields.String()


user_schema = UserSchema()
