from tests.member.conftest import member, member_client, now, other  # noqa: F401
