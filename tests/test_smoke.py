def test_app_serves_shell_and_health(client):
    assert client.get("/healthz").json == {"status": "ok", "database": "ok"}
    assert b'data-action="login"' in client.get("/").data
